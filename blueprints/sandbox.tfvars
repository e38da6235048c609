# -------------------------------------------------------------------------------------
# Sandbox blueprint: the same shape as blueprint.tfvars, for a local AWS API
# emulator (moto) instead of AWS. It keeps the parts the emulator can create
# and destroy, and switches off the rest:
#   enable_eks_addons     = false  the EKS add-on API is missing
#   enable_access_entries = false  the access entry API is missing (and the
#                                  cluster answer has no accessConfig)
#   enable_fsx_for_lustre = false  a Lustre file system never turns AVAILABLE
#                                  and the data repository association fails
#   create_oidc_provider  = false  every emulated cluster reports the same OIDC
#                                  issuer, so a second cluster would collide
#   tag_eks_created_resources = false  the emulated cluster reports no security
#                                  group of its own and its node group's Auto
#                                  Scaling group does not exist
#   aws_max_retries       = 2      unimplemented calls fail fast instead of
#                                  being retried for minutes
#   deploy_kubernetes_layer = false  the emulated cluster has no API server:
#                                  install evaluates the Kubernetes layer with
#                                  the real AWS outputs and stops there
#                                  (`slinky render` renders it offline)
# -------------------------------------------------------------------------------------

name   = "slurm-on-eks"
region = "us-west-2"
# eks_cluster_version = "1.35"
# vpc_cidr            = "10.1.0.0/16"

# Shared storage
enable_fsx_for_lustre     = false
enable_aws_fsx_csi_driver = true
deploy_fsx_volume         = false
fsx_pvc_namespace         = "slurm"

# GPU compute through Karpenter
enable_karpenter                 = true
enable_aws_efa_k8s_device_plugin = true
enable_nvidia_device_plugin      = true

# Kubernetes components
enable_aws_load_balancer_controller = true
enable_cert_manager                 = true
enable_kube_prometheus_stack        = true
enable_slurm_operator               = true
deploy_slurm_cluster                = true

# Slurm cluster (written by slinky)
image_repository = ""
image_tag        = ""
image_digest     = ""
ssh_key          = ""

# Who may reach the login load balancer; set here because the sandbox cannot look up a public IP.
login_allow_cidr = "192.0.2.10/32"

# -------------------------------------------------------------------------------------
# EKS Addons Configuration (the emulator has no add-on or access entry API)
# -------------------------------------------------------------------------------------

# The emulated cluster has no API server (see the header).
deploy_kubernetes_layer = false

enable_eks_addons     = false
enable_access_entries = false

# The emulator reports the same OIDC issuer for every cluster, so two sandbox clusters side by side
# would both create one provider for it.
create_oidc_provider = false

# The emulated cluster has no security group of its own and its node group no real Auto Scaling
# group, so there is nothing to tag.
tag_eks_created_resources = false

aws_max_retries = 2

tags = {
  environment = "sandbox"
}
