# -------------------------------------------------------------------------------------
# Slurm on EKS (Slinky) blueprint
#
# This is the file to edit. slinky passes it to both Terraform layers
# (terraform/aws, then terraform/kubernetes) with -var-file, and adds
# -var name=... and -var region=... from its own command line.
#
# image_repository, image_tag and ssh_key are filled in by slinky after it has
# built and pushed the slurmd image and made the login key; leave them empty
# unless you bring your own image and key.
# -------------------------------------------------------------------------------------

name = "slurm-on-eks"
# region              = "us-west-2"
# eks_cluster_version = "1.35"
# vpc_cidr            = "10.1.0.0/16"

# Shared storage: S3 bucket + FSx for Lustre mounted at /fsx on login and compute pods
enable_fsx_for_lustre     = true
enable_aws_fsx_csi_driver = true
deploy_fsx_volume         = true
fsx_pvc_namespace         = "slurm"
# fsx_storage_capacity    = 1200

# GPU compute through Karpenter (g5 with one A10G and one EFA device)
enable_karpenter                 = true
enable_aws_efa_k8s_device_plugin = true
enable_nvidia_device_plugin      = true
# gpu_instance_types             = ["g5.8xlarge"]

# Nodes for the Slurm control components (slurmctld, slurmdbd, MariaDB, login, operator)
# system_node_instance_types = ["m5.xlarge"]
# system_node_min_size       = 2
# system_node_max_size       = 4

# Kubernetes components
enable_aws_load_balancer_controller = true
enable_cert_manager                 = true
enable_kube_prometheus_stack        = true
enable_slurm_operator               = true
deploy_slurm_cluster                = true

# Slurm: Slinky 0.4.1 runs Slurm 25.05 (the default image tag); 1.2.1 runs Slurm 26.05
# and needs a 26.05 slurmd image (--tag 26.05.*). `slinky render` shows every object.
# slinky_version             = "0.4.1"
# gpu_capacity_types         = ["on-demand"]   # or ["spot", "on-demand"]: spot first, on-demand when none
# gpu_node_disk_size         = "500Gi"         # OS, the ~15 GB slurmd image, local scratch
# enable_dcgm_exporter       = true            # GPU metrics per Slurm job + a Slurm/GPU Grafana dashboard
# slurm_priority_class_value = 1000000         # 0: no PriorityClass for Slurm pods
# spread_slurm_control_pods  = true            # control pods prefer different system nodes
# deploy_kubernetes_layer    = true            # false: stop after the AWS layer

# Slurm cluster (written by slinky)
image_repository = ""
image_tag        = ""
image_digest     = ""
ssh_key          = ""

# Source range of the login NLB (SSH): your own address as /32. 0.0.0.0/0 is
# refused unless allow_open_login = true is set as well.
# login_allow_cidr = "203.0.113.7/32"

# -------------------------------------------------------------------------------------
# EKS Addons Configuration
#
# These are the EKS add-ons managed by the Terraform stack. Enable or disable
# any add-on by setting its value to `true` or `false`. Known names: coredns,
# kube-proxy, vpc-cni, eks-pod-identity-agent, aws-ebs-csi-driver,
# metrics-server, eks-node-monitoring-agent, amazon-cloudwatch-observability.
# -------------------------------------------------------------------------------------

enable_eks_addons     = true
enable_access_entries = true

# enable_cluster_addons = {
#   coredns                = true
#   kube-proxy             = true
#   vpc-cni                = true
#   eks-pod-identity-agent = true
#   aws-ebs-csi-driver     = true
# }

# Extra principals given cluster-admin (the creator of the cluster is admin already)
# cluster_admin_principal_arns = ["arn:aws:iam::111122223333:role/Admin"]

# tags = {
#   team = "ml-platform"
# }
