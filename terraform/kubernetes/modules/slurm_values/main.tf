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

  values = {
    controller = {
      podSpec = { nodeSelector = var.system_node_selector }
      extraConfMap = {
        GresTypes = "gpu"
      }
    }
    restapi = {
      podSpec = { nodeSelector = var.system_node_selector }
    }
    "slurm-exporter" = {
      enabled = var.enable_metrics
    }
    accounting = {
      enabled = var.enable_accounting
      podSpec = { nodeSelector = var.system_node_selector }
      # slurmdbd writes job records to the MariaDB this layer runs (accounting.tf).
      storageConfig = {
        host     = var.accounting_database.host
        port     = var.accounting_database.port
        database = var.accounting_database.database
        username = var.accounting_database.username
        passwordKeyRef = {
          name = var.accounting_database.secret_name
          key  = var.accounting_database.secret_key
        }
      }
    }
    configFiles = {
      "gres.conf" = "AutoDetect=nvml\n"
    }
    loginsets = {
      slinky = {
        enabled               = true
        replicas              = 1
        rootSshAuthorizedKeys = trimspace(var.ssh_key)
        login = {
          volumeMounts = local.fsx_mount
        }
        podSpec = {
          nodeSelector = var.system_node_selector
          volumes      = local.fsx_volume
        }
        # Reached through the NLB service (login_service); the chart's own
        # service stays internal.
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
            tag = var.image_digest == "" ? var.image_tag : "${var.image_tag}@${var.image_digest}"
          }
          resources = {
            limits = {
              "nvidia.com/gpu"        = 1
              "vpc.amazonaws.com/efa" = 1
            }
          }
          volumeMounts = concat(local.fsx_mount, local.shm_mount)
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
          nodeSelector = var.gpu_node_selector
          tolerations  = [var.gpu_toleration]
          volumes      = concat(local.fsx_volume, local.shm_volume)
        }
      }
    }
  }

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
