# Values of the cluster components the Slurm cluster relies on. Each follows a
# blueprint switch; versions are pinned in releases.tf.

locals {
  gpu_toleration = {
    key      = "nvidia.com/gpu"
    operator = "Exists"
    effect   = "NoSchedule"
  }

  system_node_selector = {
    "slinky.slurm.net/node-pool" = "system"
  }

  # The same placement as a node affinity, for charts that have no nodeSelector.
  system_node_affinity = {
    nodeAffinity = {
      requiredDuringSchedulingIgnoredDuringExecution = {
        nodeSelectorTerms = [{
          matchExpressions = [for key, value in local.system_node_selector : {
            key      = key
            operator = "In"
            values   = [value]
          }]
        }]
      }
    }
  }

  default_tags = merge(var.tags, {
    "slinky:cluster" = var.name
    "managed-by"     = "slinky"
  })

  cert_manager_values = {
    crds         = { enabled = true }
    nodeSelector = local.system_node_selector
    webhook      = { nodeSelector = local.system_node_selector }
    cainjector   = { nodeSelector = local.system_node_selector }
    startupapicheck = {
      # helm waits until the webhook answers, instead of a fixed sleep.
      enabled      = true
      timeout      = "5m"
      nodeSelector = local.system_node_selector
    }
  }

  aws_load_balancer_controller_values = {
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
  }

  karpenter_values = {
    nodeSelector = local.system_node_selector
    settings = {
      clusterName       = local.aws.cluster_name
      interruptionQueue = local.aws.karpenter_interruption_queue
    }
    serviceAccount = {
      name        = "karpenter"
      annotations = { "eks.amazonaws.com/role-arn" = local.aws.karpenter_controller_role_arn }
    }
  }

  nvidia_device_plugin_values = {
    nodeSelector = { "karpenter.k8s.aws/instance-gpu-manufacturer" = "nvidia" }
    tolerations  = [local.gpu_toleration]
  }

  aws_efa_k8s_device_plugin_values = {
    nodeSelector = { "vpc.amazonaws.com/efa.present" = "true" }
    tolerations  = [local.gpu_toleration]
  }

  aws_fsx_csi_driver_values = {
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
  }

  kube_prometheus_stack_values = {
    prometheus = {
      prometheusSpec = {
        nodeSelector = local.system_node_selector
        # Find the Slurm exporter's and DCGM's ServiceMonitors in other namespaces.
        serviceMonitorSelectorNilUsesHelmValues = false
      }
    }
    prometheusOperator   = { nodeSelector = local.system_node_selector }
    "kube-state-metrics" = { nodeSelector = local.system_node_selector }
    grafana = {
      nodeSelector = local.system_node_selector
      # The Slurm/GPU dashboard is a ConfigMap of the slinky-aws chart.
      sidecar = { dashboards = { enabled = true, label = "grafana_dashboard", searchNamespace = "ALL" } }
    }
    alertmanager = { enabled = false }
  }

  # GPU metrics per device, labelled with the Slurm job that holds the GPU:
  # the slurm chart's DCGM prolog/epilog write job ids into a host folder
  # (vendor.nvidia.dcgm) that the exporter reads.
  dcgm_job_mapping_dir = "/var/lib/dcgm-exporter/job-mapping"

  dcgm_exporter_values = {
    nodeSelector = { "karpenter.k8s.aws/instance-gpu-manufacturer" = "nvidia" }
    tolerations  = [local.gpu_toleration]
    serviceMonitor = {
      enabled          = var.enable_kube_prometheus_stack
      additionalLabels = { release = "kube-prometheus-stack" }
    }
    extraEnv = [{ name = "DCGM_HPC_JOB_MAPPING_DIR", value = local.dcgm_job_mapping_dir }]
    extraHostVolumes = [{
      name     = "dcgm-job-mapping"
      hostPath = local.dcgm_job_mapping_dir
    }]
    extraVolumeMounts = [{
      name      = "dcgm-job-mapping"
      mountPath = local.dcgm_job_mapping_dir
      readOnly  = true
    }]
  }
}
