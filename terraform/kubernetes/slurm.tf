# The Slurm cluster: Slinky's CRDs and operator in namespace slinky, the
# cluster chart and the AWS-side objects of the local chart (GPU NodePool,
# FSx volume, accounting database, login load balancer, PriorityClass,
# dashboard) in the Slurm namespace.

locals {
  slurm_namespace = var.fsx_pvc_namespace
  fsx_mounted     = var.deploy_fsx_volume && local.fsx.enabled
  fsx_claim       = "fsx-claim"
  slinky_major    = split(".", var.slinky_version)[0]

  priority_class_name = var.slurm_priority_class_value > 0 ? "${var.name}-slurm" : ""

  accounting_enabled = var.enable_slurm_operator && var.deploy_slurm_cluster && var.enable_slurm_accounting
  accounting_database = {
    host        = "slurm-mariadb"
    port        = 3306
    database    = "slurm_acct_db"
    username    = "slurm"
    secret_name = "slurm-mariadb"
    secret_key  = "password"
  }

  # Control pods prefer different system nodes; compute pods are placed by
  # their own node pool.
  control_pod_anti_affinity = {
    for key, rule in {
      podAntiAffinity = {
        preferredDuringSchedulingIgnoredDuringExecution = [{
          weight = 100
          podAffinityTerm = {
            topologyKey = "kubernetes.io/hostname"
            labelSelector = {
              matchExpressions = [{
                key      = "app.kubernetes.io/part-of"
                operator = "In"
                values   = ["slurm"]
              }]
            }
          }
        }]
      }
    } : key => rule if var.spread_slurm_control_pods
  }

  # Slinky 0.4.1's operator chart has no nodeSelector, only affinity; 1.x has both.
  slurm_operator_values_yaml = local.slinky_major == "0" ? yamlencode({
    certManager = { enabled = var.enable_cert_manager }
    operator    = { affinity = local.system_node_affinity }
    webhook     = { affinity = local.system_node_affinity }
    }) : yamlencode({
    certManager = { enabled = var.enable_cert_manager }
    operator    = { nodeSelector = local.system_node_selector }
    webhook     = { nodeSelector = local.system_node_selector }
  })
}

# The cluster chart's values and the login service's settings, computed
# without any provider (tests/terraform/slurm-values.sh checks them).
module "slurm_values" {
  source = "./modules/slurm_values"

  name             = var.name
  slinky_version   = var.slinky_version
  tags             = local.default_tags
  namespace        = local.slurm_namespace
  image_repository = local.image_repository
  image_tag        = local.image_tag
  image_digest     = var.image_digest
  ssh_key          = local.ssh_key
  login_allow_cidr = local.login_allow_cidr
  allow_open_login = var.allow_open_login
  fsx_claim_name   = local.fsx_mounted ? local.fsx_claim : null
  compute_replicas = var.compute_replicas
  gres             = var.gres

  enable_accounting    = var.enable_slurm_accounting
  accounting_database  = local.accounting_database
  enable_metrics       = var.enable_kube_prometheus_stack
  enable_dcgm          = var.enable_dcgm_exporter
  priority_class_name  = local.priority_class_name
  control_pod_affinity = local.control_pod_anti_affinity
  system_node_selector = local.system_node_selector
  gpu_toleration       = local.gpu_toleration
}

locals {
  # Before slinky has built the image and made the key, a render shows where
  # they will go.
  image_repository = var.image_repository != "" ? var.image_repository : "000000000000.dkr.ecr.${var.region}.amazonaws.com/placeholder-slurmd"
  image_tag        = var.image_tag != "" ? var.image_tag : (local.slinky_major == "0" ? "25.05-placeholder" : "26.05-placeholder")
  ssh_key          = var.ssh_key != "" ? var.ssh_key : "ssh-ed25519 AAAAplaceholder slurm-login"
  # Install sets the real range (--allow-cidr, else the caller's address);
  # a render ahead of it shows a documentation range (RFC 5737) in its place.
  login_allow_cidr = var.login_allow_cidr != null ? var.login_allow_cidr : (local.placeholders ? "192.0.2.0/32" : null)

  placeholder_values = concat(
    local.placeholders ? ["aws layer outputs (role ARNs, VPC, security group, interruption queue, FSx)"] : [],
    var.image_repository == "" ? ["image_repository"] : [],
    var.image_tag == "" ? ["image_tag"] : [],
    var.ssh_key == "" ? ["ssh_key"] : [],
    var.login_allow_cidr == null && local.placeholders ? ["login_allow_cidr (192.0.2.0/32)"] : [],
  )

  slinky_aws_values = {
    clusterName = local.aws.cluster_name
    # The EC2NodeClass's tags: GPU instances, their volumes, network
    # interfaces, launch templates and instance profiles.
    tags = local.default_tags
    karpenter = {
      enabled            = var.enable_karpenter
      nodeRole           = coalesce(local.aws.karpenter_node_role_name, "none")
      efaSecurityGroupId = local.aws.efa_security_group_id == null ? "" : local.aws.efa_security_group_id
      instanceTypes      = var.gpu_instance_types
      capacityTypes      = var.gpu_capacity_types
      gpuLimit           = var.gpu_nodes_max
      rootVolumeSize     = var.gpu_node_disk_size
    }
    fsx = {
      enabled      = local.fsx_mounted
      fileSystemId = coalesce(local.fsx.file_system_id, "none")
      dnsName      = coalesce(local.fsx.dns_name, "none")
      mountName    = coalesce(local.fsx.mount_name, "none")
      capacityGi   = coalesce(local.fsx.storage_capacity, 1200)
      claimName    = local.fsx_claim
    }
    accounting = {
      enabled           = local.accounting_enabled
      image             = var.mariadb_image
      storageSize       = var.mariadb_storage_size
      service           = local.accounting_database.host
      database          = local.accounting_database.database
      username          = local.accounting_database.username
      secretName        = local.accounting_database.secret_name
      secretKey         = local.accounting_database.secret_key
      nodeSelector      = local.system_node_selector
      affinity          = local.control_pod_anti_affinity
      priorityClassName = local.priority_class_name
    }
    # Slinky 1.x puts the login NLB's annotations on the chart's own service
    # (loginsets.*.service.metadata); 0.4.1 cannot, so this chart adds it.
    loginService = merge(module.slurm_values.login_service, {
      enabled   = var.enable_slurm_operator && var.deploy_slurm_cluster && var.enable_aws_load_balancer_controller && local.slinky_major == "0"
      namespace = local.slurm_namespace
    })
    priorityClass = {
      enabled = local.priority_class_name != ""
      name    = local.priority_class_name
      value   = var.slurm_priority_class_value
    }
    dashboard = {
      enabled   = var.enable_kube_prometheus_stack
      namespace = "monitoring"
    }
  }
}
