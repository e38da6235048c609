# AWS layer of a Slurm (Slinky) cluster on EKS. slinky applies module.vpc and
# module.eks first, then everything; it destroys in the order written in
# ../stack.json so that controller-made load balancers can be swept before
# the VPC goes.

module "vpc" {
  source = "./modules/vpc"

  name               = var.name
  cidr               = var.vpc_cidr
  single_nat_gateway = var.single_nat_gateway
}

module "eks" {
  source = "./modules/eks"

  name                         = var.name
  cluster_version              = var.eks_cluster_version
  vpc_id                       = module.vpc.vpc_id
  vpc_cidr                     = module.vpc.vpc_cidr
  subnet_ids                   = module.vpc.private_subnet_ids
  endpoint_public_access_cidrs = var.cluster_endpoint_public_access_cidrs

  node_instance_types = var.system_node_instance_types
  node_min_size       = var.system_node_min_size
  node_max_size       = var.system_node_max_size
  node_disk_size      = var.system_node_disk_size

  # What default_tags cannot reach: instances, volumes and interfaces of the
  # system nodes, the resources EKS makes itself, and what the VPC CNI and
  # EBS CSI add-ons create.
  tags                      = local.default_tags
  tag_eks_created_resources = var.tag_eks_created_resources

  enable_access_entries = var.enable_access_entries
  create_oidc_provider  = var.create_oidc_provider
  admin_principal_arns  = var.cluster_admin_principal_arns
  enable_addons         = var.enable_eks_addons
  addons                = var.enable_cluster_addons
}

module "karpenter" {
  source = "./modules/karpenter"
  count  = var.enable_karpenter ? 1 : 0

  name                  = var.name
  cluster_name          = module.eks.cluster_name
  cluster_arn           = module.eks.cluster_arn
  vpc_id                = module.vpc.vpc_id
  oidc_provider_arn     = module.eks.oidc_provider_arn
  oidc_issuer_host      = module.eks.oidc_issuer_host
  enable_access_entries = var.enable_access_entries
}

module "controller_iam" {
  source = "./modules/controller_iam"

  name                            = var.name
  oidc_provider_arn               = module.eks.oidc_provider_arn
  oidc_issuer_host                = module.eks.oidc_issuer_host
  enable_load_balancer_controller = var.enable_aws_load_balancer_controller
  enable_fsx_csi_driver           = var.enable_aws_fsx_csi_driver
}

module "fsx" {
  source = "./modules/fsx"
  count  = var.enable_fsx_for_lustre ? 1 : 0

  name                 = var.name
  vpc_id               = module.vpc.vpc_id
  vpc_cidr             = module.vpc.vpc_cidr
  subnet_id            = module.vpc.private_subnet_ids[0]
  storage_capacity     = var.fsx_storage_capacity
  throughput_per_tib   = var.fsx_throughput_per_tib
  bucket_force_destroy = var.fsx_bucket_force_destroy
}
