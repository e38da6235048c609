# Inputs of the Slurm cluster's values. The blueprint's own variables carry the
# same validation; it is repeated here so the module refuses bad input on its
# own (and the test can prove it without the rest of the layer).

variable "name" {
  description = "Name of the slinky cluster (tags of the login load balancer)."
  type        = string
}

variable "tags" {
  description = "The stack's tags, put on the login load balancer and its target group and security groups (slinky:cluster and managed-by are always added)."
  type        = map(string)
  default     = {}

  validation {
    # Same rule as the blueprint's tags: the annotation is one
    # "key=value,key=value" string.
    condition = alltrue([
      for k, v in var.tags : !can(regex("[,=]", "${k}${v}")) && !can(regex("^(aws:|eks:|kubernetes\\.io/|karpenter\\.|ebs\\.csi\\.aws\\.com/|k8s\\.amazonaws\\.com)", k))
    ])
    error_message = "Tag keys and values must not contain ',' or '=', and keys must not start with a prefix AWS or the controllers reserve (aws:, eks:, kubernetes.io/, karpenter., ebs.csi.aws.com/, k8s.amazonaws.com)."
  }
}

variable "namespace" {
  description = "Namespace of the Slurm cluster (and of the login service)."
  type        = string
  default     = "slurm"
}

variable "image_repository" {
  description = "Repository of the slurmd image (e.g. an ECR repository URI)."
  type        = string
}

variable "image_tag" {
  description = "Tag of the slurmd image."
  type        = string
}

variable "image_digest" {
  description = "Digest of the slurmd image; when set, pods pull tag@digest, which pins the exact image."
  type        = string
  default     = ""
}

variable "shm_size" {
  description = "Size of the memory-backed /dev/shm of compute pods."
  type        = string
  default     = "32Gi"
}

variable "ssh_key" {
  description = "Public SSH key allowed to log in to the login pods as root."
  type        = string
}

variable "allow_open_login" {
  description = "Allow login_allow_cidr to be 0.0.0.0/0 or ::/0."
  type        = bool
  default     = false
}

variable "login_allow_cidr" {
  description = "Source CIDR allowed to reach the login load balancer on port 22 (null: none set)."
  type        = string
  default     = null

  validation {
    condition     = var.login_allow_cidr == null || can(cidrhost(var.login_allow_cidr, 0))
    error_message = "login_allow_cidr must be null or a valid CIDR such as 203.0.113.7/32."
  }

  validation {
    condition     = var.login_allow_cidr == null || var.allow_open_login || !contains(["0.0.0.0/0", "::/0"], coalesce(var.login_allow_cidr, "none"))
    error_message = "login_allow_cidr 0.0.0.0/0 opens SSH to the internet; set allow_open_login = true to really want that."
  }
}

variable "fsx_claim_name" {
  description = "PersistentVolumeClaim mounted at /fsx in login and compute pods (null: no /fsx)."
  type        = string
  default     = null
}

variable "compute_replicas" {
  description = "Number of slurmd pods (one per GPU node)."
  type        = number
  default     = 2
}

variable "gres" {
  description = "GRES of one compute pod, written to its node line."
  type        = string
  default     = "gpu:a10g:1"
}

variable "enable_accounting" {
  description = "Run slurmdbd."
  type        = bool
  default     = true
}

variable "accounting_database" {
  description = "Where slurmdbd stores accounting: the MariaDB service and the secret holding its password."
  type = object({
    host        = string
    port        = number
    database    = string
    username    = string
    secret_name = string
    secret_key  = string
  })
  default = {
    host        = "slurm-mariadb"
    port        = 3306
    database    = "slurm_acct_db"
    username    = "slurm"
    secret_name = "slurm-mariadb"
    secret_key  = "password"
  }
}

variable "enable_metrics" {
  description = "Run the Slurm exporter for Prometheus."
  type        = bool
  default     = true
}

variable "system_node_selector" {
  description = "Node selector of the Slurm control components (controller, restapi, accounting, login)."
  type        = map(string)
  default     = { "slinky.slurm.net/node-pool" = "system" }
}

variable "gpu_node_selector" {
  description = "Node selector of the compute pods."
  type        = map(string)
  default     = { "slinky.slurm.net/node-pool" = "gpu" }
}

variable "gpu_toleration" {
  description = "Toleration of the GPU nodes' taint."
  type = object({
    key      = string
    operator = string
    effect   = string
  })
  default = {
    key      = "nvidia.com/gpu"
    operator = "Exists"
    effect   = "NoSchedule"
  }
}

variable "slinky_version" {
  description = "Slinky chart version the values are shaped for (0.4.1 or 1.2.1)."
  type        = string
  default     = "0.4.1"

  validation {
    condition     = contains(["0.4.1", "1.2.1"], var.slinky_version)
    error_message = "slinky_version must be 0.4.1 or 1.2.1."
  }
}

variable "enable_dcgm" {
  description = "Write Slurm job ids where NVIDIA's DCGM exporter reads them (the chart's vendor.nvidia.dcgm prolog/epilog)."
  type        = bool
  default     = false
}

variable "priority_class_name" {
  description = "PriorityClass of every Slurm pod (empty: none)."
  type        = string
  default     = ""
}

variable "control_pod_affinity" {
  description = "Affinity of the control pods (controller, restapi, accounting, login): the spread across system nodes."
  type        = any
  default     = {}
}
