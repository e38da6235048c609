# No provider and no backend: this root only computes what the Kubernetes
# layer deploys (every helm release with its values, and the few objects
# slinky creates itself). slinky evaluates it with a throwaway state, then
# renders each release with helm (`slinky render`) or installs it on the
# cluster (the install's `kubernetes` step). Both read the same outputs, so
# what is reviewed is what is deployed.
terraform {
  required_version = ">= 1.9.0"
}
