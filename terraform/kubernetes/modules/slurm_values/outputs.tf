output "values_yaml" {
  description = "Values of the Slinky slurm cluster chart, as YAML, shaped for slinky_version (the two releases take different shapes)."
  value       = split(".", var.slinky_version)[0] == "0" ? yamlencode(local.values_v0) : yamlencode(local.values_v1)
}

output "login_service" {
  description = "Name, annotations, labels, selector, port and source ranges of the login NLB service."
  value       = local.login_service
}

output "login_service_yaml" {
  description = "The login NLB service as a Kubernetes manifest (what the slinky-aws chart creates for Slinky 0.4.1)."
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
