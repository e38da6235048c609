output "values" {
  description = "Values of the Slinky slurm cluster chart."
  value       = local.values
}

output "values_yaml" {
  description = "The same values as YAML, as passed to helm_release.slurm."
  value       = yamlencode(local.values)
}

output "login_service" {
  description = "Name, annotations, labels, selector, port and source ranges of the login NLB service."
  value       = local.login_service
}

output "login_service_yaml" {
  description = "The login NLB service as a Kubernetes manifest (what kubernetes_service_v1.login creates)."
  value = yamlencode({
    apiVersion = "v1"
    kind       = "Service"
    metadata = {
      name        = local.login_service.name
      namespace   = var.namespace
      annotations = local.login_service.annotations
      labels      = local.login_service.labels
    }
    spec = {
      type                     = "LoadBalancer"
      loadBalancerClass        = local.login_service.load_balancer_class
      loadBalancerSourceRanges = local.login_service.load_balancer_source_ranges
      externalTrafficPolicy    = local.login_service.external_traffic_policy
      selector                 = local.login_service.selector
      ports = [{
        name       = "ssh"
        port       = local.login_service.port
        targetPort = local.login_service.port
        protocol   = "TCP"
      }]
    }
  })
}
