terraform {
  required_version = ">= 1.9.0"

  # slinky passes -backend-config=path=<absolute path> and its own TF_DATA_DIR
  # for every cluster, so one checkout can manage several clusters.
  backend "local" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80.0, < 6.0.0"
    }
  }
}
