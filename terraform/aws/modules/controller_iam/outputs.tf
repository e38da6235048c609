output "lb_controller_role_arn" {
  description = "IAM role of the AWS Load Balancer Controller, or null."
  value       = try(aws_iam_role.this["lb-controller"].arn, null)
}

output "fsx_csi_driver_role_arn" {
  description = "IAM role of the FSx CSI driver controller, or null."
  value       = try(aws_iam_role.this["fsx-csi"].arn, null)
}
