# The Slurm cluster: Slinky's operator and CRDs in namespace slinky, the
# cluster chart in the FSx claim's namespace, and the AWS-side objects of the
# local chart (GPU NodePool, FSx volume).

locals {
  slurm_namespace = var.fsx_pvc_namespace
  fsx_mounted     = var.deploy_fsx_volume && local.aws.fsx.enabled
  fsx_claim       = "fsx-claim"
  slinky_charts   = "oci://ghcr.io/slinkyproject/charts"

  fsx_volume = local.fsx_mounted ? [{
    name                  = "fsx"
    persistentVolumeClaim = { claimName = local.fsx_claim }
  }] : []

  fsx_mount = local.fsx_mounted ? [{ name = "fsx", mountPath = "/fsx" }] : []

  # Login service: an internet-facing NLB sending straight to the pod IPs,
  # keeping the client address, reachable only from login_allow_cidr.
  login_service_annotations = {
    "service.beta.kubernetes.io/aws-load-balancer-type"                                = "external"
    "service.beta.kubernetes.io/aws-load-balancer-scheme"                              = "internet-facing"
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"                     = "ip"
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"                    = "22"
    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"             = "preserve_client_ip.enabled=true"
    "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags"            = "slinky:cluster=${var.name},managed-by=slinky"
    "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules" = "true"
  }
}

resource "helm_release" "slinky_aws" {
  name             = "slinky-aws"
  chart            = "${path.module}/charts/slinky-aws"
  namespace        = local.slurm_namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    clusterName = local.aws.cluster_name
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

  values = [yamlencode({
    controller = {
      podSpec = { nodeSelector = local.system_node_selector }
      extraConfMap = {
        GresTypes = "gpu"
      }
    }
    restapi = {
      podSpec = { nodeSelector = local.system_node_selector }
    }
    "slurm-exporter" = {
      enabled = var.enable_kube_prometheus_stack
    }
    accounting = {
      enabled = var.enable_slurm_accounting
      podSpec = { nodeSelector = local.system_node_selector }
    }
    configFiles = {
      "gres.conf" = "AutoDetect=nvml\n"
    }
    loginsets = {
      slinky = {
        enabled               = true
        replicas              = 1
        rootSshAuthorizedKeys = var.ssh_key
        login = {
          volumeMounts = local.fsx_mount
        }
        podSpec = {
          nodeSelector = local.system_node_selector
          volumes      = local.fsx_volume
        }
        # Reached through the NLB service below; the chart's own service
        # stays internal.
        service = {
          spec = { type = "ClusterIP" }
        }
      }
    }
    nodesets = {
      slinky = { enabled = false }
      "hp-node" = {
        enabled  = true
        replicas = var.compute_replicas
        slurmd = {
          image = {
            repository = var.image_repository
            tag        = var.image_tag
          }
          resources = {
            limits = {
              "nvidia.com/gpu"        = 1
              "vpc.amazonaws.com/efa" = 1
            }
          }
          volumeMounts = local.fsx_mount
        }
        extraConfMap = {
          Gres = var.gres
        }
        partition = {
          enabled = true
          configMap = {
            State   = "UP"
            MaxTime = "UNLIMITED"
          }
        }
        podSpec = {
          nodeSelector = { "slinky.slurm.net/node-pool" = "gpu" }
          tolerations  = [local.gpu_toleration]
          volumes      = local.fsx_volume
        }
      }
    }
  })]

  lifecycle {
    precondition {
      condition     = var.image_repository != "" && var.image_tag != "" && var.ssh_key != ""
      error_message = "image_repository, image_tag and ssh_key must be set in the blueprint (slinky writes them after building the image)."
    }
  }

  depends_on = [
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
    name        = "slurm-login-nlb"
    namespace   = local.slurm_namespace
    annotations = local.login_service_annotations
    labels = {
      "app.kubernetes.io/name"       = "login"
      "app.kubernetes.io/instance"   = "slurm"
      "app.kubernetes.io/component"  = "login-nlb"
      "app.kubernetes.io/managed-by" = "slinky"
    }
  }

  spec {
    type                        = "LoadBalancer"
    load_balancer_class         = "service.k8s.aws/nlb"
    load_balancer_source_ranges = var.login_allow_cidr == null ? [] : [var.login_allow_cidr]
    external_traffic_policy     = "Local"

    selector = {
      "loginset.slinky.slurm.net/name" = "slurm-login-slinky"
    }

    port {
      name        = "ssh"
      port        = 22
      target_port = 22
      protocol    = "TCP"
    }
  }

  # Creating returns once the NLB has an address.
  wait_for_load_balancer = true

  timeouts {
    create = "15m"
  }

  depends_on = [helm_release.slurm]
}
