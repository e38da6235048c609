output "node_role_name" {
  description = "IAM role of Karpenter nodes (EC2NodeClass spec.role)."
  value       = module.node_role.name
}

output "node_role_arn" {
  description = "ARN of the Karpenter node role."
  value       = module.node_role.arn
}

output "controller_role_arn" {
  description = "IAM role of the Karpenter controller (service account annotation)."
  value       = aws_iam_role.controller.arn
}

output "interruption_queue_name" {
  description = "SQS queue Karpenter watches for interruptions (settings.interruptionQueue)."
  value       = aws_sqs_queue.interruption.name
}

output "efa_security_group_id" {
  description = "Security group for EFA traffic between GPU nodes."
  value       = aws_security_group.efa.id
}
