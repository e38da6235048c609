# The Slurm cluster: Slinky's operator and CRDs in namespace slinky, the
# cluster chart in the FSx claim's namespace, and the AWS-side objects of the
# local chart (GPU NodePool, FSx volume).

locals {
  slurm_namespace = var.fsx_pvc_namespace
  fsx_mounted     = var.deploy_fsx_volume && local.aws.fsx.enabled
  fsx_claim       = "fsx-claim"
  slinky_charts   = "oci://ghcr.io/slinkyproject/charts"
}

# The cluster chart's values and the login service's settings, computed
# without any provider (tested offline by tests/terraform/slurm-values.sh).
module "slurm_values" {
  source = "./modules/slurm_values"

  name             = var.name
  tags             = local.default_tags
  namespace        = local.slurm_namespace
  image_repository = var.image_repository
  image_tag        = var.image_tag
  image_digest     = var.image_digest
  ssh_key          = var.ssh_key
  login_allow_cidr = var.login_allow_cidr
  allow_open_login = var.allow_open_login
  fsx_claim_name   = local.fsx_mounted ? local.fsx_claim : null
  compute_replicas = var.compute_replicas
  gres             = var.gres

  enable_accounting    = var.enable_slurm_accounting
  accounting_database  = local.accounting_database
  enable_metrics       = var.enable_kube_prometheus_stack
  system_node_selector = local.system_node_selector
  gpu_toleration       = local.gpu_toleration
}

resource "helm_release" "slinky_aws" {
  name             = "slinky-aws"
  chart            = "${path.module}/charts/slinky-aws"
  namespace        = local.slurm_namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    clusterName = local.aws.cluster_name
    # The EC2NodeClass's tags: GPU instances, their volumes, network
    # interfaces, launch templates and instance profiles.
    tags = local.default_tags
    karpenter = {
      enabled            = var.enable_karpenter
      nodeRole           = coalesce(local.aws.karpenter_node_role_name, "none")
      efaSecurityGroupId = local.aws.efa_security_group_id == null ? "" : local.aws.efa_security_group_id
      instanceTypes      = var.gpu_instance_types
      gpuLimit           = var.gpu_nodes_max
    }
    fsx = {
      enabled      = local.fsx_mounted
      fileSystemId = coalesce(local.aws.fsx.file_system_id, "none")
      dnsName      = coalesce(local.aws.fsx.dns_name, "none")
      mountName    = coalesce(local.aws.fsx.mount_name, "none")
      capacityGi   = coalesce(local.aws.fsx.storage_capacity, 1200)
      claimName    = local.fsx_claim
    }
  })]

  depends_on = [helm_release.karpenter, helm_release.aws_fsx_csi_driver]
}

resource "helm_release" "slurm_operator_crds" {
  count = var.enable_slurm_operator ? 1 : 0

  name             = "slurm-operator-crds"
  repository       = local.slinky_charts
  chart            = "slurm-operator-crds"
  version          = var.chart_versions.slinky
  namespace        = "slinky"
  create_namespace = true
}

resource "helm_release" "slurm_operator" {
  count = var.enable_slurm_operator ? 1 : 0

  name             = "slurm-operator"
  repository       = local.slinky_charts
  chart            = "slurm-operator"
  version          = var.chart_versions.slinky
  namespace        = "slinky"
  create_namespace = true
  wait             = true
  timeout          = 900

  values = [yamlencode({
    certManager = { enabled = var.enable_cert_manager }
    operator    = { nodeSelector = local.system_node_selector }
    webhook     = { nodeSelector = local.system_node_selector }
  })]

  depends_on = [helm_release.slurm_operator_crds, helm_release.cert_manager]
}

resource "helm_release" "slurm" {
  count = var.enable_slurm_operator && var.deploy_slurm_cluster ? 1 : 0

  name             = "slurm"
  repository       = local.slinky_charts
  chart            = "slurm"
  version          = var.chart_versions.slinky
  namespace        = local.slurm_namespace
  create_namespace = true
  wait             = true
  timeout          = 1800

  values = [module.slurm_values.values_yaml]

  lifecycle {
    precondition {
      condition     = var.image_repository != "" && var.image_tag != "" && var.ssh_key != ""
      error_message = "image_repository, image_tag and ssh_key must be set in the blueprint (slinky writes them after building the image)."
    }
  }

  depends_on = [
    kubernetes_stateful_set_v1.mariadb,
    helm_release.slurm_operator,
    helm_release.slinky_aws,
    helm_release.aws_load_balancer_controller,
    helm_release.kube_prometheus_stack,
    helm_release.nvidia_device_plugin,
    helm_release.aws_efa_k8s_device_plugin,
  ]
}

# Slinky 0.4.1's LoginSet passes only a service spec through (no
# annotations), and the load balancer controller decides an NLB's scheme when
# it first sees the service. So the internet-facing login NLB is a service of
# its own, created with every annotation from the start and selecting the
# login pods by the label the operator puts on them.
resource "kubernetes_service_v1" "login" {
  count = length(helm_release.slurm) > 0 && var.enable_aws_load_balancer_controller ? 1 : 0

  metadata {
    name        = module.slurm_values.login_service.name
    namespace   = local.slurm_namespace
    annotations = module.slurm_values.login_service.annotations
    labels      = module.slurm_values.login_service.labels
  }

  spec {
    type                        = "LoadBalancer"
    load_balancer_class         = module.slurm_values.login_service.load_balancer_class
    load_balancer_source_ranges = module.slurm_values.login_service.load_balancer_source_ranges
    external_traffic_policy     = module.slurm_values.login_service.external_traffic_policy
    selector                    = module.slurm_values.login_service.selector

    port {
      name        = "ssh"
      port        = module.slurm_values.login_service.port
      target_port = module.slurm_values.login_service.port
      protocol    = "TCP"
    }
  }

  # Creating returns once the NLB has an address.
  wait_for_load_balancer = true

  timeouts {
    create = "15m"
  }

  lifecycle {
    # No source range would leave the NLB open to every address.
    precondition {
      condition     = length(module.slurm_values.login_service.load_balancer_source_ranges) > 0
      error_message = "login_allow_cidr is not set: slinky sets it to the caller's public address (--allow-cidr to choose); 0.0.0.0/0 also needs allow_open_login = true."
    }
  }

  depends_on = [helm_release.slurm]
}
