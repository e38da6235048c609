# What the AWS layer built, as slinky passes it (`-var-file` with that
# layer's `terraform output -json` values under `aws`). Before the AWS layer
# exists (`slinky render` ahead of the first install) every value only AWS
# can know is a placeholder that contains "placeholder", shaped so the
# rendered objects still pass their schemas (an `sg-` id where a pattern
# wants one).

variable "aws" {
  description = "Outputs of the AWS layer (null: not installed yet, placeholders are used)."
  type        = any
  default     = null
}

locals {
  placeholders = var.aws == null

  aws_placeholders = {
    cluster_name                  = var.name
    vpc_id                        = "vpc-placeholder"
    karpenter_node_role_name      = "placeholder-karpenter-node-role"
    karpenter_node_role_arn       = "arn:aws:iam::000000000000:role/placeholder-karpenter-node-role"
    karpenter_controller_role_arn = "arn:aws:iam::000000000000:role/placeholder-karpenter-controller"
    karpenter_interruption_queue  = "placeholder-karpenter-interruption-queue"
    system_node_role_arn          = "arn:aws:iam::000000000000:role/placeholder-system-node-role"
    efa_security_group_id         = "sg-placeholder"
    lb_controller_role_arn        = "arn:aws:iam::000000000000:role/placeholder-lb-controller"
    fsx_csi_driver_role_arn       = "arn:aws:iam::000000000000:role/placeholder-fsx-csi-driver"
  }

  # Terraform leaves null outputs out of `output -json`, so a real but
  # optional output (no Karpenter, no EFA group) is absent: null here.
  aws = {
    for key, placeholder in local.aws_placeholders :
    key => local.placeholders ? placeholder : try(tostring(var.aws[key]), null)
  }

  access_entries_enabled = local.placeholders ? var.enable_access_entries : try(tobool(var.aws.access_entries_enabled), var.enable_access_entries)

  fsx_given = try(var.aws.fsx, {})
  fsx = {
    enabled          = local.placeholders ? var.enable_fsx_for_lustre : try(tobool(local.fsx_given.enabled), false)
    file_system_id   = local.placeholders ? "fs-placeholder" : try(tostring(local.fsx_given.file_system_id), null)
    dns_name         = local.placeholders ? "placeholder.fsx.${var.region}.amazonaws.com" : try(tostring(local.fsx_given.dns_name), null)
    mount_name       = local.placeholders ? "placeholder" : try(tostring(local.fsx_given.mount_name), null)
    storage_capacity = local.placeholders ? var.fsx_storage_capacity : try(tonumber(local.fsx_given.storage_capacity), null)
  }
}
