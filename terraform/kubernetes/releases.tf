# Every helm release of the Kubernetes layer, in the order slinky installs
# them: what a release needs (CRDs, webhooks, the PriorityClass, the
# database) comes from a release before it. `slinky render` renders exactly
# this list with helm; the install's `kubernetes` step installs it.

locals {
  pinned_chart_versions = {
    cert_manager                 = "v1.17.2"
    aws_load_balancer_controller = "1.13.0"
    karpenter                    = "1.5.0"
    nvidia_device_plugin         = "0.17.1"
    aws_efa_k8s_device_plugin    = "v0.5.7"
    aws_fsx_csi_driver           = "1.12.1"
    kube_prometheus_stack        = "72.6.2"
    dcgm_exporter                = "4.1.1"
  }
  chart_versions = merge(local.pinned_chart_versions, var.chart_versions)
  slinky_charts  = "oci://ghcr.io/slinkyproject/charts"
  slurm_enabled  = var.enable_slurm_operator && var.deploy_slurm_cluster

  all_releases = [
    {
      name        = "cert-manager", namespace = "cert-manager", enabled = var.enable_cert_manager
      repository  = "https://charts.jetstack.io", chart = "cert-manager", version = local.chart_versions.cert_manager
      values_yaml = yamlencode(local.cert_manager_values), wait = true, timeout = 900
    },
    {
      name        = "aws-load-balancer-controller", namespace = "kube-system", enabled = var.enable_aws_load_balancer_controller
      repository  = "https://aws.github.io/eks-charts", chart = "aws-load-balancer-controller", version = local.chart_versions.aws_load_balancer_controller
      values_yaml = yamlencode(local.aws_load_balancer_controller_values), wait = true, timeout = 900
    },
    {
      name        = "karpenter", namespace = "karpenter", enabled = var.enable_karpenter
      repository  = "oci://public.ecr.aws/karpenter", chart = "karpenter", version = local.chart_versions.karpenter
      values_yaml = yamlencode(local.karpenter_values), wait = true, timeout = 900
    },
    {
      name        = "aws-fsx-csi-driver", namespace = "kube-system", enabled = var.enable_aws_fsx_csi_driver
      repository  = "https://kubernetes-sigs.github.io/aws-fsx-csi-driver", chart = "aws-fsx-csi-driver", version = local.chart_versions.aws_fsx_csi_driver
      values_yaml = yamlencode(local.aws_fsx_csi_driver_values), wait = true, timeout = 900
    },
    {
      name       = "nvidia-device-plugin", namespace = "nvidia-device-plugin", enabled = var.enable_nvidia_device_plugin
      repository = "https://nvidia.github.io/k8s-device-plugin", chart = "nvidia-device-plugin", version = local.chart_versions.nvidia_device_plugin
      # No GPU node exists until Slurm asks for one: nothing to wait for.
      values_yaml = yamlencode(local.nvidia_device_plugin_values), wait = false, timeout = 300
    },
    {
      name        = "aws-efa-k8s-device-plugin", namespace = "kube-system", enabled = var.enable_aws_efa_k8s_device_plugin
      repository  = "https://aws.github.io/eks-charts", chart = "aws-efa-k8s-device-plugin", version = local.chart_versions.aws_efa_k8s_device_plugin
      values_yaml = yamlencode(local.aws_efa_k8s_device_plugin_values), wait = false, timeout = 300
    },
    {
      name        = "kube-prometheus-stack", namespace = "monitoring", enabled = var.enable_kube_prometheus_stack
      repository  = "https://prometheus-community.github.io/helm-charts", chart = "kube-prometheus-stack", version = local.chart_versions.kube_prometheus_stack
      values_yaml = yamlencode(local.kube_prometheus_stack_values), wait = true, timeout = 1200
    },
    {
      name        = "dcgm-exporter", namespace = "monitoring", enabled = var.enable_dcgm_exporter
      repository  = "https://nvidia.github.io/dcgm-exporter/helm-charts", chart = "dcgm-exporter", version = local.chart_versions.dcgm_exporter
      values_yaml = yamlencode(local.dcgm_exporter_values), wait = false, timeout = 300
    },
    {
      # A chart of this repository (path relative to this folder).
      name        = "slinky-aws", namespace = local.slurm_namespace, enabled = true
      repository  = "", chart = "charts/slinky-aws", version = "0.2.0"
      values_yaml = yamlencode(local.slinky_aws_values), wait = true, timeout = 900
    },
    {
      name        = "slurm-operator-crds", namespace = "slinky", enabled = var.enable_slurm_operator
      repository  = local.slinky_charts, chart = "slurm-operator-crds", version = var.slinky_version
      values_yaml = yamlencode({}), wait = true, timeout = 300
    },
    {
      name        = "slurm-operator", namespace = "slinky", enabled = var.enable_slurm_operator
      repository  = local.slinky_charts, chart = "slurm-operator", version = var.slinky_version
      values_yaml = local.slurm_operator_values_yaml, wait = true, timeout = 900
    },
    {
      name        = "slurm", namespace = local.slurm_namespace, enabled = local.slurm_enabled
      repository  = local.slinky_charts, chart = "slurm", version = var.slinky_version
      values_yaml = module.slurm_values.values_yaml, wait = true, timeout = 1800
    },
  ]

  releases = [for r in local.all_releases : {
    name        = r.name
    namespace   = r.namespace
    repository  = r.repository
    chart       = r.chart
    version     = r.version
    values_yaml = r.values_yaml
    wait        = r.wait
    timeout     = r.timeout
  } if r.enabled]
}

output "releases" {
  description = "The helm releases to install, in order: name, namespace, repository (empty for a chart of this folder), chart, version, values_yaml, wait, timeout (seconds)."
  value       = local.releases
}

output "secrets" {
  description = "Secrets slinky creates itself (generated values, never in any state or values file): namespace, name and the keys to generate."
  value = local.accounting_enabled ? [{
    namespace = local.slurm_namespace
    name      = local.accounting_database.secret_name
    keys      = [local.accounting_database.secret_key, "root-password"]
  }] : []
}

output "objects" {
  description = "Objects slinky applies to the cluster itself (server-side apply): without access entries, Karpenter's node role in aws-auth."
  value = !local.access_entries_enabled && var.enable_karpenter ? [{
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "aws-auth", namespace = "kube-system" }
    data = {
      mapRoles = yamlencode([
        for arn in [local.aws.system_node_role_arn, local.aws.karpenter_node_role_arn] : {
          rolearn  = arn
          username = "system:node:{{EC2PrivateDNSName}}"
          groups   = ["system:bootstrappers", "system:nodes"]
        } if arn != null
      ])
    }
  }] : []
}

output "placeholders" {
  description = "What stands in for a value not known yet (AWS layer outputs before install, image, key, login range before slinky writes them); empty for an installed cluster."
  value       = local.placeholder_values
}

output "kubernetes_version" {
  description = "Kubernetes version of the cluster (what rendered objects are checked against)."
  value       = var.eks_cluster_version
}

output "slinky_version" {
  description = "Slinky release the Slurm charts come from."
  value       = var.slinky_version
}

output "slurm_namespace" {
  description = "Namespace of the Slurm cluster."
  value       = local.slurm_namespace
}

output "login_service" {
  description = "Namespace and label selector of the login load balancer service."
  value = {
    namespace = local.slurm_namespace
    selector  = "app.kubernetes.io/name=login"
  }
}

output "deploy" {
  description = "Whether slinky installs the releases (deploy_kubernetes_layer); false stops after the AWS layer."
  value       = var.deploy_kubernetes_layer
}
