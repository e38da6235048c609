variable "name" {
  description = "Cluster name (prefix of names)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the file system."
  type        = string
}

variable "vpc_cidr" {
  description = "Clients allowed to mount (the whole VPC)."
  type        = string
}

variable "subnet_id" {
  description = "Private subnet of the file system (Lustre lives in one zone)."
  type        = string
}

variable "storage_capacity" {
  description = "Capacity in GiB."
  type        = number
}

variable "throughput_per_tib" {
  description = "PERSISTENT_2 throughput in MB/s per TiB."
  type        = number
}

variable "file_system_path" {
  description = "Directory of the file system linked to the bucket (the bucket shows up as /fsx/data)."
  type        = string
  default     = "/data"
}

variable "bucket_force_destroy" {
  description = "Empty the bucket (all versions) on destroy."
  type        = bool
  default     = true
}
