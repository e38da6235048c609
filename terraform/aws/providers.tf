locals {
  # Every resource names its cluster and its manager. User tags win over
  # nothing here on purpose: the two slinky keys are always present.
  default_tags = merge(var.tags, {
    "slinky:cluster" = var.name
    "managed-by"     = "slinky"
  })
}

provider "aws" {
  region = var.region

  # The AWS API answers unknown calls on a local emulator with 5xx, which the
  # provider would retry for many minutes; the sandbox blueprint lowers this.
  max_retries = var.aws_max_retries

  default_tags {
    tags = local.default_tags
  }
}
