# Variables of the Kubernetes layer only. The blueprint's variables are the
# AWS layer's files, linked here (variables_blueprint*.tf) so both layers
# accept the same blueprint with the same validation.

variable "aws_state_path" {
  description = "Absolute path of the AWS layer's state file (slinky passes the same path it gave that layer's backend)."
  type        = string
}

variable "enable_slurm_accounting" {
  description = "Run slurmdbd with a MariaDB for job accounting (accounting.tf)."
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

# Chart versions, pinned together. Slinky 0.4.1 (operator, CRDs and cluster
# chart must match) runs Slurm 25.05. The FSx CSI chart takes controller
# extraTags from 1.12.1 on.
variable "chart_versions" {
  description = "Pinned chart versions."
  type        = map(string)
  default = {
    slinky                       = "0.4.1"
    cert_manager                 = "v1.17.2"
    aws_load_balancer_controller = "1.13.0"
    karpenter                    = "1.5.0"
    nvidia_device_plugin         = "0.17.1"
    aws_efa_k8s_device_plugin    = "v0.5.7"
    aws_fsx_csi_driver           = "1.12.1"
    kube_prometheus_stack        = "72.6.2"
  }
}
