variable "name" {
  description = "Name of the EKS cluster."
  type        = string
}

variable "cluster_version" {
  description = "Kubernetes minor version (1.NN)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR of the VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the control plane network interfaces and the nodes."
  type        = list(string)
}

variable "endpoint_public_access_cidrs" {
  description = "CIDRs that may reach the public API endpoint."
  type        = list(string)
}

variable "log_retention_days" {
  description = "Retention of the control plane log group."
  type        = number
  default     = 30
}

variable "node_instance_types" {
  description = "Instance types of the system node group."
  type        = list(string)
}

variable "node_min_size" {
  description = "Minimum size of the system node group."
  type        = number
}

variable "node_max_size" {
  description = "Maximum size of the system node group."
  type        = number
}

variable "node_disk_size" {
  description = "Root volume size (GiB) of the system nodes."
  type        = number
}

variable "create_oidc_provider" {
  description = "Create the IAM OIDC provider for the cluster's issuer."
  type        = bool
}

variable "enable_access_entries" {
  description = "Use access entries (authentication mode API_AND_CONFIG_MAP)."
  type        = bool
}

variable "admin_principal_arns" {
  description = "IAM principals given cluster-admin through access entries."
  type        = list(string)
  default     = []
}

variable "enable_addons" {
  description = "Manage EKS add-ons."
  type        = bool
}

variable "addons" {
  description = "Add-on names to switches."
  type        = map(bool)
}

variable "tags" {
  description = "The stack's tags, for what the provider's default_tags do not reach: instances, volumes and interfaces launched from the node launch template, the cluster security group and Auto Scaling group EKS makes, and what the vpc-cni and EBS CSI add-ons create."
  type        = map(string)
  default     = {}
}

variable "tag_eks_created_resources" {
  description = "Tag the cluster security group and the node group's Auto Scaling group, which EKS creates itself."
  type        = bool
  default     = true
}
