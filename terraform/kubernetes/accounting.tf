# Slurm job accounting: slurmdbd (run by the Slinky chart) stores its records in this MariaDB.
# One replica on the system node group with a gp-class EBS volume; the password is generated here
# and only ever lives in a Kubernetes secret.

locals {
  accounting_database = {
    host        = "slurm-mariadb"
    port        = 3306
    database    = "slurm_acct_db"
    username    = "slurm"
    secret_name = "slurm-mariadb"
    secret_key  = "password"
  }
  mariadb_enabled = var.enable_slurm_operator && var.deploy_slurm_cluster && var.enable_slurm_accounting
}

resource "random_password" "mariadb" {
  for_each = local.mariadb_enabled ? toset(["user", "root"]) : toset([])

  length  = 32
  special = false
}

resource "kubernetes_namespace_v1" "slurm" {
  count = local.mariadb_enabled ? 1 : 0

  metadata {
    name = local.slurm_namespace
  }

  lifecycle {
    # The slurm chart release also creates the namespace when it is missing; whoever comes first owns it.
    ignore_changes = [metadata]
  }
}

resource "kubernetes_secret_v1" "mariadb" {
  count = local.mariadb_enabled ? 1 : 0

  metadata {
    name      = local.accounting_database.secret_name
    namespace = kubernetes_namespace_v1.slurm[0].metadata[0].name
  }

  data = {
    (local.accounting_database.secret_key) = random_password.mariadb["user"].result
    "root-password"                        = random_password.mariadb["root"].result
  }
}

resource "kubernetes_service_v1" "mariadb" {
  count = local.mariadb_enabled ? 1 : 0

  metadata {
    name      = local.accounting_database.host
    namespace = kubernetes_namespace_v1.slurm[0].metadata[0].name
    labels    = { "app.kubernetes.io/name" = "slurm-mariadb" }
  }

  spec {
    selector = { "app.kubernetes.io/name" = "slurm-mariadb" }
    port {
      name        = "mysql"
      port        = local.accounting_database.port
      target_port = 3306
    }
  }
}

resource "kubernetes_stateful_set_v1" "mariadb" {
  count = local.mariadb_enabled ? 1 : 0

  metadata {
    name      = "slurm-mariadb"
    namespace = kubernetes_namespace_v1.slurm[0].metadata[0].name
    labels    = { "app.kubernetes.io/name" = "slurm-mariadb" }
  }

  spec {
    service_name = kubernetes_service_v1.mariadb[0].metadata[0].name
    replicas     = 1

    selector {
      match_labels = { "app.kubernetes.io/name" = "slurm-mariadb" }
    }

    template {
      metadata {
        labels = { "app.kubernetes.io/name" = "slurm-mariadb" }
      }

      spec {
        node_selector = local.system_node_selector

        container {
          name              = "mariadb"
          image             = var.mariadb_image
          image_pull_policy = "IfNotPresent"

          port {
            container_port = 3306
            name           = "mysql"
          }

          env {
            name  = "MARIADB_DATABASE"
            value = local.accounting_database.database
          }
          env {
            name  = "MARIADB_USER"
            value = local.accounting_database.username
          }
          env {
            name = "MARIADB_PASSWORD"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.mariadb[0].metadata[0].name
                key  = local.accounting_database.secret_key
              }
            }
          }
          env {
            name = "MARIADB_ROOT_PASSWORD"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.mariadb[0].metadata[0].name
                key  = "root-password"
              }
            }
          }

          # slurmdbd's recommended InnoDB settings; the defaults are too small for job records.
          args = ["--innodb-buffer-pool-size=1G", "--innodb-lock-wait-timeout=900", "--innodb-log-file-size=256M"]

          readiness_probe {
            exec {
              command = ["healthcheck.sh", "--connect", "--innodb_initialized"]
            }
            initial_delay_seconds = 10
            period_seconds        = 10
          }

          liveness_probe {
            exec {
              command = ["healthcheck.sh", "--connect"]
            }
            initial_delay_seconds = 60
            period_seconds        = 20
          }

          resources {
            requests = { cpu = "250m", memory = "1536Mi" }
            limits   = { memory = "2Gi" }
          }

          security_context {
            allow_privilege_escalation = false
          }

          volume_mount {
            name       = "data"
            mount_path = "/var/lib/mysql"
          }
        }
      }
    }

    volume_claim_template {
      metadata {
        name = "data"
      }
      spec {
        access_modes = ["ReadWriteOnce"]
        resources {
          requests = { storage = var.mariadb_storage_size }
        }
      }
    }
  }

  wait_for_rollout = true
}
