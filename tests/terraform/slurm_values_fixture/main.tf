# A root that renders the Slurm cluster's values the way terraform/kubernetes
# does, with test input and no provider (tests/terraform/slurm-values.sh).

terraform {
  required_version = ">= 1.9.0"
}

variable "image_repository" {
  type    = string
  default = "111122223333.dkr.ecr.us-west-2.amazonaws.com/slurm-on-eks/slurmd"
}

variable "image_tag" {
  type    = string
  default = "25.05-test"
}

variable "ssh_key" {
  type    = string
  default = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qta2V5LW5vdC11c2VkLWFueXdoZXJlLTAwMDAw slurm-login"
}

variable "login_allow_cidr" {
  type    = string
  default = "203.0.113.7/32"
}

variable "allow_open_login" {
  type    = bool
  default = false
}

variable "image_digest" {
  type    = string
  default = ""
}

# A blueprint's extra tags; the one trying to replace a slinky tag must lose.
variable "tags" {
  type = map(string)
  default = {
    environment  = "test"
    "managed-by" = "someone-else"
  }
}

module "slurm_values" {
  source = "../../../terraform/kubernetes/modules/slurm_values"

  name             = "slurm-test"
  tags             = var.tags
  namespace        = "slurm"
  image_repository = var.image_repository
  image_tag        = var.image_tag
  image_digest     = var.image_digest
  ssh_key          = var.ssh_key
  login_allow_cidr = var.login_allow_cidr
  allow_open_login = var.allow_open_login
  fsx_claim_name   = "fsx-claim"
}

output "values_yaml" {
  value = module.slurm_values.values_yaml
}

output "login_service_yaml" {
  value = module.slurm_values.login_service_yaml
}
