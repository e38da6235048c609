variable "name" {
  description = "Name of the role."
  type        = string
}

variable "description" {
  description = "What the role's nodes are."
  type        = string
}
