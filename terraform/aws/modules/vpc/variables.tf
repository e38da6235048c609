variable "name" {
  description = "Cluster name; prefix of every name and value of the discovery tags."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string
}

variable "az_count" {
  description = "Number of availability zones to spread the subnets over."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "The VPC spans two or three availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway shared by all private subnets instead of one per zone."
  type        = bool
  default     = true
}
