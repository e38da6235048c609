output "name" {
  description = "Name of the node role."
  value       = aws_iam_role.this.name
}

output "arn" {
  description = "ARN of the node role."
  value       = aws_iam_role.this.arn
}

output "policy_attachments" {
  description = "The managed policy attachments, for resources that must wait for them."
  value       = [for attachment in aws_iam_role_policy_attachment.this : attachment.id]
}
