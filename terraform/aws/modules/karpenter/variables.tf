variable "name" {
  description = "Cluster name (prefix of names)."
  type        = string
}

variable "cluster_name" {
  description = "Name of the EKS cluster (taken from the cluster resource so the dependency is explicit)."
  type        = string
}

variable "cluster_arn" {
  description = "ARN of the EKS cluster."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the GPU nodes."
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

variable "namespace" {
  description = "Namespace of the Karpenter controller."
  type        = string
  default     = "karpenter"
}

variable "service_account" {
  description = "Service account of the Karpenter controller."
  type        = string
  default     = "karpenter"
}

variable "enable_access_entries" {
  description = "Give the node role an EC2_LINUX access entry (otherwise the Kubernetes layer maps it in aws-auth)."
  type        = bool
}
