# Cluster components the Slurm cluster relies on. Each follows a blueprint
# switch; versions come from var.chart_versions.

locals {
  gpu_toleration = {
    key      = "nvidia.com/gpu"
    operator = "Exists"
    effect   = "NoSchedule"
  }

  system_node_selector = {
    "slinky.slurm.net/node-pool" = "system"
  }
}

# Without access entries the Karpenter node role is mapped in aws-auth (the
# system node group's role is mapped by EKS itself).
resource "kubernetes_config_map_v1_data" "aws_auth" {
  count = !local.aws.access_entries_enabled && local.aws.karpenter_node_role_arn != null ? 1 : 0

  metadata {
    name      = "aws-auth"
    namespace = "kube-system"
  }

  data = {
    mapRoles = yamlencode([
      {
        rolearn  = local.aws.system_node_role_arn
        username = "system:node:{{EC2PrivateDNSName}}"
        groups   = ["system:bootstrappers", "system:nodes"]
      },
      {
        rolearn  = local.aws.karpenter_node_role_arn
        username = "system:node:{{EC2PrivateDNSName}}"
        groups   = ["system:bootstrappers", "system:nodes"]
      },
    ])
  }

  force = true
}

resource "helm_release" "cert_manager" {
  count = var.enable_cert_manager ? 1 : 0

  name             = "cert-manager"
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = var.chart_versions.cert_manager
  namespace        = "cert-manager"
  create_namespace = true
  wait             = true
  timeout          = 900

  values = [yamlencode({
    crds         = { enabled = true }
    nodeSelector = local.system_node_selector
    webhook      = { nodeSelector = local.system_node_selector }
    cainjector   = { nodeSelector = local.system_node_selector }
    startupapicheck = {
      # helm waits until the webhook answers, instead of a fixed sleep.
      enabled = true
      timeout = "5m"
    }
  })]
}

resource "helm_release" "aws_load_balancer_controller" {
  count = var.enable_aws_load_balancer_controller ? 1 : 0

  name       = "aws-load-balancer-controller"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-load-balancer-controller"
  version    = var.chart_versions.aws_load_balancer_controller
  namespace  = "kube-system"
  wait       = true
  timeout    = 900

  values = [yamlencode({
    clusterName  = local.aws.cluster_name
    region       = var.region
    vpcId        = local.aws.vpc_id
    nodeSelector = local.system_node_selector
    # On every load balancer, target group and security group it creates.
    defaultTags = local.default_tags
    serviceAccount = {
      name        = "aws-load-balancer-controller"
      annotations = { "eks.amazonaws.com/role-arn" = local.aws.lb_controller_role_arn }
    }
  })]
}

resource "helm_release" "karpenter" {
  count = var.enable_karpenter ? 1 : 0

  name             = "karpenter"
  repository       = "oci://public.ecr.aws/karpenter"
  chart            = "karpenter"
  version          = var.chart_versions.karpenter
  namespace        = "karpenter"
  create_namespace = true
  wait             = true
  timeout          = 900

  values = [yamlencode({
    nodeSelector = local.system_node_selector
    settings = {
      clusterName       = local.aws.cluster_name
      interruptionQueue = local.aws.karpenter_interruption_queue
    }
    serviceAccount = {
      name        = "karpenter"
      annotations = { "eks.amazonaws.com/role-arn" = local.aws.karpenter_controller_role_arn }
    }
  })]

  depends_on = [kubernetes_config_map_v1_data.aws_auth]
}

resource "helm_release" "nvidia_device_plugin" {
  count = var.enable_nvidia_device_plugin ? 1 : 0

  name             = "nvidia-device-plugin"
  repository       = "https://nvidia.github.io/k8s-device-plugin"
  chart            = "nvidia-device-plugin"
  version          = var.chart_versions.nvidia_device_plugin
  namespace        = "nvidia-device-plugin"
  create_namespace = true
  wait             = false

  values = [yamlencode({
    nodeSelector = { "karpenter.k8s.aws/instance-gpu-manufacturer" = "nvidia" }
    tolerations  = [local.gpu_toleration]
  })]
}

resource "helm_release" "aws_efa_k8s_device_plugin" {
  count = var.enable_aws_efa_k8s_device_plugin ? 1 : 0

  name       = "aws-efa-k8s-device-plugin"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-efa-k8s-device-plugin"
  version    = var.chart_versions.aws_efa_k8s_device_plugin
  namespace  = "kube-system"
  wait       = false

  values = [yamlencode({
    nodeSelector = { "vpc.amazonaws.com/efa.present" = "true" }
    tolerations  = [local.gpu_toleration]
  })]
}

resource "helm_release" "aws_fsx_csi_driver" {
  count = var.enable_aws_fsx_csi_driver ? 1 : 0

  name       = "aws-fsx-csi-driver"
  repository = "https://kubernetes-sigs.github.io/aws-fsx-csi-driver"
  chart      = "aws-fsx-csi-driver"
  version    = var.chart_versions.aws_fsx_csi_driver
  namespace  = "kube-system"
  wait       = true
  timeout    = 900

  values = [yamlencode({
    controller = {
      nodeSelector = local.system_node_selector
      # On file systems it provisions dynamically (a StorageClass of
      # fsx.csi.aws.com); the /fsx file system is the AWS layer's.
      extraTags = local.default_tags
      serviceAccount = {
        name        = "fsx-csi-controller-sa"
        annotations = { "eks.amazonaws.com/role-arn" = local.aws.fsx_csi_driver_role_arn }
      }
    }
    node = {
      tolerations = [{ operator = "Exists" }]
    }
  })]
}

resource "helm_release" "kube_prometheus_stack" {
  count = var.enable_kube_prometheus_stack ? 1 : 0

  name             = "kube-prometheus-stack"
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = var.chart_versions.kube_prometheus_stack
  namespace        = "monitoring"
  create_namespace = true
  wait             = true
  timeout          = 1200

  values = [yamlencode({
    prometheus = {
      prometheusSpec = {
        nodeSelector = local.system_node_selector
        # Find the Slurm exporter's ServiceMonitor in other namespaces.
        serviceMonitorSelectorNilUsesHelmValues = false
      }
    }
    grafana      = { nodeSelector = local.system_node_selector }
    alertmanager = { enabled = false }
  })]
}
