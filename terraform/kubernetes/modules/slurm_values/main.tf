# Values of the Slinky slurm cluster chart and of the login load balancer
# service, computed from the blueprint with built-in functions only: no
# provider, so the rendering can be applied and checked offline
# (tests/terraform/slurm-values.sh).

locals {
  # The same tags as every other AWS resource of the cluster; the controller
  # also has them as its default tags, this keeps them on the login NLB even
  # if it is installed without.
  resource_tags = merge(var.tags, {
    "slinky:cluster" = var.name
    "managed-by"     = "slinky"
  })

  fsx_mounted = var.fsx_claim_name != null

  fsx_volume = local.fsx_mounted ? [{
    name                  = "fsx"
    persistentVolumeClaim = { claimName = var.fsx_claim_name }
  }] : []

  fsx_mount = local.fsx_mounted ? [{ name = "fsx", mountPath = "/fsx" }] : []

  # A container's default /dev/shm is 64 MiB; NCCL and PyTorch data loaders need far more, so
  # compute pods get a memory-backed one sized like the node's share.
  shm_volume = [{ name = "shm", emptyDir = { medium = "Memory", sizeLimit = var.shm_size } }]
  shm_mount  = [{ name = "shm", mountPath = "/dev/shm" }]

  # Slurm finds the GPUs itself. AutoDetect=nvidia (Slurm 24.11 and later) reads
  # /proc/driver/nvidia and /dev/nvidia* and needs no library at build time;
  # AutoDetect=nvml only works when slurmd was built against NVIDIA's NVML
  # headers, which the Slinky slurmd image this stack builds on is not
  # (its Slurm is built without the CUDA toolkit), so nvml would find no GPU
  # and the node would register without its GRES. The chart's own example
  # uses nvidia too.
  gres_conf = "AutoDetect=nvidia\n"

  slurmd_image_tag = var.image_digest == "" ? var.image_tag : "${var.image_tag}@${var.image_digest}"

  gpu_limits = {
    "nvidia.com/gpu"        = 1
    "vpc.amazonaws.com/efa" = 1
  }

  login_service_metadata = {
    annotations = local.login_service.annotations
    labels      = local.login_service.labels
  }

  login_service_spec = {
    type                     = "LoadBalancer"
    loadBalancerClass        = local.login_service.load_balancer_class
    loadBalancerSourceRanges = local.login_service.load_balancer_source_ranges
    externalTrafficPolicy    = local.login_service.external_traffic_policy
  }

  priority_class = { for key, name in { priorityClassName = var.priority_class_name } : key => name if name != "" }

  control_pod_spec = merge(
    { nodeSelector = var.system_node_selector, affinity = var.control_pod_affinity },
    local.priority_class,
  )

  compute_pod_spec = merge(
    {
      nodeSelector = var.gpu_node_selector
      tolerations  = [var.gpu_toleration]
      volumes      = concat(local.fsx_volume, local.shm_volume)
    },
    local.priority_class,
  )

  accounting_storage = {
    host     = var.accounting_database.host
    port     = var.accounting_database.port
    database = var.accounting_database.database
    username = var.accounting_database.username
    passwordKeyRef = {
      name = var.accounting_database.secret_name
      key  = var.accounting_database.secret_key
    }
  }

  partition_config = {
    enabled = true
    configMap = {
      State   = "UP"
      MaxTime = "UNLIMITED"
    }
  }

  # Slinky 0.4.1. A new map entry such as nodesets.hp-node inherits none of
  # the chart's sample entry (nodesets.slinky), so every field the templates
  # read is given here: without logfile.image the chart stops with "image
  # repository is required".
  # What both releases take in the same shape.
  shared_values = {
    restapi = {
      podSpec = local.control_pod_spec
    }
    accounting = {
      enabled = var.enable_accounting
      podSpec = local.control_pod_spec
      # slurmdbd writes job records to the MariaDB of the slinky-aws chart.
      storageConfig = local.accounting_storage
    }
    configFiles = {
      "gres.conf" = local.gres_conf
    }
    vendor = {
      nvidia = { dcgm = { enabled = var.enable_dcgm } }
    }
  }

  values_v0 = merge(local.shared_values, {
    controller = {
      podSpec      = local.control_pod_spec
      extraConfMap = { GresTypes = "gpu" }
    }
    "slurm-exporter" = {
      enabled = var.enable_metrics
      exporter = {
        nodeSelector = var.system_node_selector
      }
    }
    loginsets = {
      slinky = {
        enabled               = true
        replicas              = 1
        rootSshAuthorizedKeys = trimspace(var.ssh_key)
        login = {
          volumeMounts = local.fsx_mount
        }
        podSpec = merge(local.control_pod_spec, { volumes = local.fsx_volume })
        # 0.4.1 passes only a service spec through (no annotations), and the
        # load balancer controller decides an NLB's scheme when it first sees
        # the service: the internet-facing NLB is a service of the slinky-aws
        # chart, created with every annotation from the start. This one stays
        # internal.
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
            # "tag@digest" is a valid reference: the registry serves the digest, the tag stays readable.
            tag = local.slurmd_image_tag
          }
          args         = []
          resources    = { limits = local.gpu_limits }
          volumeMounts = concat(local.fsx_mount, local.shm_mount)
        }
        logfile = {
          image = {
            repository = "docker.io/library/alpine"
            tag        = "latest"
          }
          resources = {}
        }
        extraConf         = null
        extraConfMap      = { Gres = var.gres }
        partition         = local.partition_config
        useResourceLimits = true
        metadata          = {}
        podSpec           = local.compute_pod_spec
      }
    }
  })

  # Slinky 1.x: new nodesets and loginsets start from nodesetDefaults and
  # loginsetDefaults, the login service takes metadata (so the NLB
  # annotations live in the chart), metrics come from slurmctld itself (no
  # exporter chart), and the image digest has its own field.
  values_v1 = merge(local.shared_values, {
    priorityClass = {
      enabled = var.priority_class_name != ""
      # The class is the slinky-aws chart's, created before this release.
      create = false
      name   = var.priority_class_name == "" ? "slurm-priority-critical" : var.priority_class_name
    }
    controller = {
      podSpec      = local.control_pod_spec
      extraConfMap = { GresTypes = "gpu" }
      metrics = {
        enabled        = var.enable_metrics
        serviceMonitor = { enabled = var.enable_metrics }
      }
    }
    loginsets = {
      slinky = {
        replicas              = 1
        rootSshAuthorizedKeys = trimspace(var.ssh_key)
        login = {
          volumeMounts = local.fsx_mount
        }
        podSpec = merge(local.control_pod_spec, { volumes = local.fsx_volume })
        service = {
          metadata = local.login_service_metadata
          spec     = local.login_service_spec
        }
      }
    }
    nodesets = {
      "hp-node" = {
        replicas = var.compute_replicas
        slurmd = {
          image = {
            repository = var.image_repository
            tag        = var.image_tag
            digest     = var.image_digest == "" ? null : var.image_digest
          }
          resources    = { limits = local.gpu_limits }
          volumeMounts = concat(local.fsx_mount, local.shm_mount)
        }
        extraConfMap = { Gres = var.gres }
        partition    = local.partition_config
        podSpec      = local.compute_pod_spec
      }
    }
  })

  # Login service: an internet-facing NLB sending straight to the pod IPs,
  # keeping the client address, reachable only from login_allow_cidr.
  login_service = {
    name = "slurm-login-nlb"
    annotations = {
      "service.beta.kubernetes.io/aws-load-balancer-type"                                = "external"
      "service.beta.kubernetes.io/aws-load-balancer-scheme"                              = "internet-facing"
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"                     = "ip"
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port"                    = "22"
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"             = "preserve_client_ip.enabled=true"
      "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags"            = join(",", [for k, v in local.resource_tags : "${k}=${v}"])
      "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules" = "true"
    }
    labels = {
      "app.kubernetes.io/name"       = "login"
      "app.kubernetes.io/instance"   = "slurm"
      "app.kubernetes.io/component"  = "login-nlb"
      "app.kubernetes.io/managed-by" = "slinky"
    }
    load_balancer_class         = "service.k8s.aws/nlb"
    load_balancer_source_ranges = var.login_allow_cidr == null ? [] : [var.login_allow_cidr]
    external_traffic_policy     = "Local"
    # The label the operator puts on the pods of LoginSet "slurm-login-slinky".
    selector = {
      "loginset.slinky.slurm.net/name" = "slurm-login-slinky"
    }
    port = 22
  }
}
