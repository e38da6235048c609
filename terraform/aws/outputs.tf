# slinky reads these with `terraform output -json`.

output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.eks.cluster_name
}

output "region" {
  description = "AWS region of the cluster."
  value       = var.region
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets (nodes, pods, internal load balancers)."
  value       = module.vpc.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Public subnets (internet-facing load balancers such as the login NLB)."
  value       = module.vpc.public_subnet_ids
}

output "nat_public_ips" {
  description = "Egress addresses of the cluster."
  value       = module.vpc.nat_public_ips
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = module.eks.cluster_endpoint
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = module.eks.cluster_version
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API server."
  value       = module.eks.cluster_certificate_authority_data
}

output "configure_kubectl" {
  description = "Command that writes a kubeconfig entry for the cluster."
  value       = "aws eks update-kubeconfig --region ${var.region} --name ${module.eks.cluster_name}"
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster (IRSA)."
  value       = module.eks.oidc_provider_arn
}

output "node_security_group_id" {
  description = "Security group of every node."
  value       = module.eks.node_security_group_id
}

output "cluster_primary_security_group_id" {
  description = "Security group EKS made for the cluster (null if the API did not report one)."
  value       = module.eks.cluster_primary_security_group_id == "" ? null : module.eks.cluster_primary_security_group_id
}

output "system_node_role_arn" {
  description = "IAM role of the system node group."
  value       = module.eks.system_node_role_arn
}

output "karpenter_node_role_name" {
  description = "IAM role of Karpenter nodes, or null when Karpenter is off."
  value       = one(module.karpenter[*].node_role_name)
}

output "karpenter_node_role_arn" {
  description = "ARN of the Karpenter node role, or null."
  value       = one(module.karpenter[*].node_role_arn)
}

output "karpenter_controller_role_arn" {
  description = "IAM role of the Karpenter controller, or null."
  value       = one(module.karpenter[*].controller_role_arn)
}

output "karpenter_interruption_queue" {
  description = "Interruption queue name for Karpenter, or null."
  value       = one(module.karpenter[*].interruption_queue_name)
}

output "efa_security_group_id" {
  description = "Security group for EFA traffic between GPU nodes, or null."
  value       = one(module.karpenter[*].efa_security_group_id)
}

output "lb_controller_role_arn" {
  description = "IAM role of the AWS Load Balancer Controller, or null."
  value       = module.controller_iam.lb_controller_role_arn
}

output "fsx_csi_driver_role_arn" {
  description = "IAM role of the FSx CSI driver, or null."
  value       = module.controller_iam.fsx_csi_driver_role_arn
}

output "ebs_csi_driver_role_arn" {
  description = "IAM role of the EBS CSI driver add-on."
  value       = module.eks.ebs_csi_role_arn
}

output "eks_addons" {
  description = "EKS add-ons managed by this layer (empty when enable_eks_addons is false)."
  value       = module.eks.addons
}

output "access_entries_enabled" {
  description = "Whether the cluster uses access entries; when false the Kubernetes layer maps node roles in aws-auth."
  value       = module.eks.access_entries_enabled
}

# Terraform leaves null outputs out of `output -json`; this object is always
# there and says whether shared storage exists.
output "fsx" {
  description = "FSx for Lustre settings: enabled, bucket_name, file_system_id, dns_name, mount_name, storage_capacity, file_system_path (null when disabled)."
  value = {
    enabled          = var.enable_fsx_for_lustre
    bucket_name      = one(module.fsx[*].bucket_name)
    file_system_id   = one(module.fsx[*].file_system_id)
    dns_name         = one(module.fsx[*].dns_name)
    mount_name       = one(module.fsx[*].mount_name)
    storage_capacity = one(module.fsx[*].storage_capacity)
    file_system_path = one(module.fsx[*].file_system_path)
  }
}

output "fsx_bucket_name" {
  description = "S3 bucket linked to FSx for Lustre, or null."
  value       = one(module.fsx[*].bucket_name)
}

output "fsx_file_system_id" {
  description = "ID of the FSx for Lustre file system, or null."
  value       = one(module.fsx[*].file_system_id)
}

output "fsx_dns_name" {
  description = "DNS name of the FSx file system, or null."
  value       = one(module.fsx[*].dns_name)
}

output "fsx_mount_name" {
  description = "Lustre mount name, or null."
  value       = one(module.fsx[*].mount_name)
}

output "fsx_storage_capacity" {
  description = "FSx capacity in GiB, or null."
  value       = one(module.fsx[*].storage_capacity)
}

# Blueprint values that only the Kubernetes layer uses, reported back so a
# caller can check that this run read them.
output "image_repository" {
  description = "slurmd image repository from the blueprint."
  value       = var.image_repository
}

output "image_tag" {
  description = "slurmd image tag from the blueprint."
  value       = var.image_tag
}

output "image_digest" {
  description = "slurmd image digest from the blueprint (empty: deployed by tag)."
  value       = var.image_digest
}

output "ssh_key" {
  description = "Login SSH public key from the blueprint."
  value       = var.ssh_key
}

output "login_allow_cidr" {
  description = "Source range of the login load balancer from the blueprint."
  value       = var.login_allow_cidr
}

output "gpu_instance_types" {
  description = "Instance types for the Karpenter GPU NodePool."
  value       = var.gpu_instance_types
}
