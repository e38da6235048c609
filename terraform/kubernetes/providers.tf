locals {
  default_tags = merge(var.tags, {
    "slinky:cluster" = var.name
    "managed-by"     = "slinky"
  })
}

provider "aws" {
  region      = var.region
  max_retries = var.aws_max_retries

  default_tags {
    tags = local.default_tags
  }
}

# The AWS layer's outputs, read from its local state file.
data "terraform_remote_state" "aws" {
  backend = "local"

  config = {
    path = var.aws_state_path
  }
}

locals {
  # Terraform leaves null outputs out of the state, so the optional ones get
  # an explicit null first.
  aws = merge({
    karpenter_node_role_name      = null
    karpenter_node_role_arn       = null
    karpenter_controller_role_arn = null
    karpenter_interruption_queue  = null
    efa_security_group_id         = null
    lb_controller_role_arn        = null
    fsx_csi_driver_role_arn       = null
  }, data.terraform_remote_state.aws.outputs)

  # A short-lived token from `aws eks get-token`, so nothing long-lived is
  # written into the state.
  kube_exec = {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--region", var.region, "--cluster-name", local.aws.cluster_name, "--output", "json"]
  }
}

provider "kubernetes" {
  host                   = local.aws.cluster_endpoint
  cluster_ca_certificate = base64decode(local.aws.cluster_certificate_authority_data)

  exec {
    api_version = local.kube_exec.api_version
    command     = local.kube_exec.command
    args        = local.kube_exec.args
  }
}

provider "helm" {
  kubernetes = {
    host                   = local.aws.cluster_endpoint
    cluster_ca_certificate = base64decode(local.aws.cluster_certificate_authority_data)
    exec                   = local.kube_exec
  }
}
