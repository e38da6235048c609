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
