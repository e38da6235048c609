# Settings of the Kubernetes layer (terraform/kubernetes). They live in the
# same blueprint file as the AWS settings; declaring them here keeps the AWS
# layer from warning about undeclared variables. The AWS layer does not use
# them beyond reporting a few back.

variable "deploy_fsx_volume" {
  description = "Create the static FSx PersistentVolume and claim for /fsx."
  type        = bool
  default     = true
}

variable "fsx_pvc_namespace" {
  description = "Namespace of the FSx PersistentVolumeClaim (the Slurm cluster's namespace)."
  type        = string
  default     = "slurm"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.fsx_pvc_namespace)) && length(var.fsx_pvc_namespace) <= 63
    error_message = "fsx_pvc_namespace must be a valid Kubernetes namespace name."
  }
}

variable "enable_aws_efa_k8s_device_plugin" {
  description = "Install the EFA device plugin on GPU nodes."
  type        = bool
  default     = true
}

variable "enable_nvidia_device_plugin" {
  description = "Install the NVIDIA device plugin on GPU nodes."
  type        = bool
  default     = true
}

variable "enable_cert_manager" {
  description = "Install cert-manager (the Slinky operator's webhook needs it)."
  type        = bool
  default     = true
}

variable "enable_kube_prometheus_stack" {
  description = "Install kube-prometheus-stack for Slurm metrics."
  type        = bool
  default     = true
}

variable "enable_slurm_operator" {
  description = "Install the Slinky slurm-operator."
  type        = bool
  default     = true
}

variable "deploy_slurm_cluster" {
  description = "Install the Slurm cluster chart."
  type        = bool
  default     = true
}

variable "deploy_kubernetes_layer" {
  description = "Install the Kubernetes layer (cluster components, Slinky, the Slurm cluster) once the AWS layer is up. false stops there; `slinky render` still shows what would be installed. The sandbox sets false: moto's EKS has no API server."
  type        = bool
  default     = true
}

variable "slinky_version" {
  description = "Slinky release (operator, CRDs and cluster chart together): 0.4.1 runs Slurm 25.05, 1.2.1 runs Slurm 26.05. The slurmd image's Slurm version must match."
  type        = string
  default     = "0.4.1"

  validation {
    condition     = contains(["0.4.1", "1.2.1"], var.slinky_version)
    error_message = "slinky_version must be 0.4.1 (Slurm 25.05) or 1.2.1 (Slurm 26.05)."
  }

  # The operator talks to slurmd in its own Slurm's protocol: a slurmd image
  # tagged for another Slurm release would not join. A tag that does not start
  # with a Slurm version (a custom name) cannot be checked here.
  validation {
    condition = (
      !can(regex("^[0-9]+\\.[0-9]+", var.image_tag)) ||
      startswith(var.image_tag, lookup({ "0.4.1" = "25.05", "1.2.1" = "26.05" }, var.slinky_version, "?"))
    )
    error_message = "image_tag does not match slinky_version: Slinky 0.4.1 needs a Slurm 25.05 image (tag 25.05.*), Slinky 1.2.1 a Slurm 26.05 image (tag 26.05.*)."
  }
}

variable "enable_slurm_accounting" {
  description = "Run slurmdbd with a MariaDB for job accounting."
  type        = bool
  default     = true
}

variable "mariadb_image" {
  description = "MariaDB image for Slurm accounting."
  type        = string
  default     = "mariadb:11.4"
}

variable "mariadb_storage_size" {
  description = "Size of the MariaDB data volume."
  type        = string
  default     = "20Gi"
}

variable "gpu_nodes_max" {
  description = "Upper bound of GPUs Karpenter may bring up for Slurm compute."
  type        = number
  default     = 8
}

variable "gpu_capacity_types" {
  description = "Capacity types the GPU node pool may launch: on-demand, spot, or both (Karpenter prefers spot when both are allowed)."
  type        = list(string)
  default     = ["on-demand"]

  validation {
    condition     = length(var.gpu_capacity_types) > 0 && alltrue([for t in var.gpu_capacity_types : contains(["on-demand", "spot"], t)])
    error_message = "gpu_capacity_types must list on-demand, spot or both."
  }
}

variable "gpu_node_disk_size" {
  description = "Size of a GPU node's disk (container images — the slurmd image is ~15 GB — and local scratch)."
  type        = string
  default     = "500Gi"

  validation {
    condition     = can(regex("^[1-9][0-9]*Gi$", var.gpu_node_disk_size))
    error_message = "gpu_node_disk_size must be a whole number of Gi, such as 500Gi."
  }
}

variable "compute_replicas" {
  description = "Number of slurmd pods (one per GPU node)."
  type        = number
  default     = 2
}

variable "gres" {
  description = "GRES of one compute pod, written to the node line (matches one A10G on g5.8xlarge)."
  type        = string
  default     = "gpu:a10g:1"
}

variable "enable_dcgm_exporter" {
  description = "Run NVIDIA's DCGM exporter on GPU nodes (GPU metrics per Slurm job) and add a Slurm/GPU dashboard to Grafana."
  type        = bool
  default     = true
}

variable "slurm_priority_class_value" {
  description = "Priority of the Slurm pods' PriorityClass, so other workloads cannot preempt the controller, login or compute pods (0 turns the class off)."
  type        = number
  default     = 1000000

  validation {
    condition     = var.slurm_priority_class_value >= 0 && var.slurm_priority_class_value <= 1000000000
    error_message = "slurm_priority_class_value must be between 0 and 1000000000 (higher values are reserved for system-critical pods)."
  }
}

variable "spread_slurm_control_pods" {
  description = "Prefer to put slurmctld, slurmrestd, slurmdbd, MariaDB and the login pod on different system nodes, so one node's loss does not take the whole control plane."
  type        = bool
  default     = true
}

# Chart versions, pinned together; a blueprint may override single entries.
# The Slinky charts follow slinky_version. The FSx CSI chart takes controller
# extraTags from 1.12.1 on.
variable "chart_versions" {
  description = "Chart versions to use instead of the pinned ones (only the entries given)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([for k, _ in var.chart_versions : contains([
      "cert_manager", "aws_load_balancer_controller", "karpenter", "nvidia_device_plugin",
      "aws_efa_k8s_device_plugin", "aws_fsx_csi_driver", "kube_prometheus_stack", "dcgm_exporter",
    ], k)])
    error_message = "chart_versions knows cert_manager, aws_load_balancer_controller, karpenter, nvidia_device_plugin, aws_efa_k8s_device_plugin, aws_fsx_csi_driver, kube_prometheus_stack and dcgm_exporter; the Slinky charts follow slinky_version."
  }
}
