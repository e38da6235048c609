variable "name" {
  description = "Cluster name (prefix of names and value of the load balancer ownership tag)."
  type        = string
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster."
  type        = string
}

variable "oidc_issuer_host" {
  description = "Token issuer without https://."
  type        = string
}

variable "enable_load_balancer_controller" {
  description = "Create the role of the AWS Load Balancer Controller."
  type        = bool
}

variable "enable_fsx_csi_driver" {
  description = "Create the role of the FSx CSI driver."
  type        = bool
}
