output "slurm_namespace" {
  description = "Namespace of the Slurm cluster."
  value       = local.slurm_namespace
}

output "login_service" {
  description = "Namespace and name of the login load balancer service (null when not created)."
  value = length(kubernetes_service_v1.login) == 0 ? null : {
    namespace = kubernetes_service_v1.login[0].metadata[0].namespace
    name      = kubernetes_service_v1.login[0].metadata[0].name
    selector  = "app.kubernetes.io/instance=slurm,app.kubernetes.io/name=login,app.kubernetes.io/component=login-nlb"
  }
}

output "login_hostname" {
  description = "DNS name of the login NLB (ssh -p 22 root@<this>)."
  value       = try(kubernetes_service_v1.login[0].status[0].load_balancer[0].ingress[0].hostname, null)
}

output "fsx_mounted" {
  description = "Whether /fsx is mounted in login and compute pods."
  value       = local.fsx_mounted
}

output "slinky_chart_version" {
  description = "Version of the Slinky charts installed."
  value       = var.chart_versions.slinky
}
