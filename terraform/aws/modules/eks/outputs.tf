output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = aws_eks_cluster.this.version
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API server."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_primary_security_group_id" {
  description = "Security group EKS made for the cluster."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "cluster_security_group_id" {
  description = "Extra security group of the control plane."
  value       = aws_security_group.cluster.id
}

output "node_security_group_id" {
  description = "Security group of every node (tagged for Karpenter discovery)."
  value       = aws_security_group.node.id
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider (IRSA)."
  value       = local.oidc_provider_arn
}

output "oidc_issuer_host" {
  description = "Issuer of the cluster's service account tokens, without https://."
  value       = local.oidc_issuer_host
}

output "system_node_role_arn" {
  description = "IAM role of the system node group."
  value       = module.node_role.arn
}

output "system_node_group_name" {
  description = "Name of the system node group."
  value       = aws_eks_node_group.system.node_group_name
}

output "log_group_name" {
  description = "Log group of the control plane logs."
  value       = aws_cloudwatch_log_group.cluster.name
}

output "ebs_csi_role_arn" {
  description = "IAM role of the EBS CSI driver."
  value       = aws_iam_role.ebs_csi.arn
}

output "addons" {
  description = "Names of the EKS add-ons managed here."
  value       = sort(concat(keys(aws_eks_addon.before_nodes), keys(aws_eks_addon.after_nodes)))
}

output "access_entries_enabled" {
  description = "Whether the cluster uses access entries."
  value       = var.enable_access_entries
}
