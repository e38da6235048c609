# EKS control plane, its log group, encryption key and security groups, the
# OIDC provider for IRSA, and the managed node group of the Slurm control
# components (slurmctld, slurmdbd, MariaDB, login, operators).

data "aws_caller_identity" "current" {}

# Terraform owns the log group and creates it before the cluster, so a failed
# create does not leave an orphan that blocks re-creating the same name, and
# destroy removes it.
resource "aws_cloudwatch_log_group" "cluster" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (30 days by default) to keep costs predictable.
  #checkov:skip=CKV_AWS_158:Control plane logs use the service's default encryption.
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "secrets_key" {
  # A key policy's "*" resource means this key; this is the account-default policy.
  #checkov:skip=CKV_AWS_111:Key policy, resource "*" is the key itself.
  #checkov:skip=CKV_AWS_356:Key policy, resource "*" is the key itself.
  #checkov:skip=CKV_AWS_109:Key policy, resource "*" is the key itself.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "secrets" {
  description             = "Envelope encryption of Kubernetes secrets of ${var.name}"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  policy                  = data.aws_iam_policy_document.secrets_key.json
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/eks/${var.name}"
  target_key_id = aws_kms_key.secrets.key_id
}

data "aws_iam_policy_document" "cluster_kms" {
  statement {
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]
    resources = [aws_kms_key.secrets.arn]
  }
}

resource "aws_iam_role_policy" "cluster_kms" {
  name   = "secrets-encryption"
  role   = aws_iam_role.cluster.id
  policy = data.aws_iam_policy_document.cluster_kms.json
}

# --- security groups ----------------------------------------------------------
# cluster: extra group on the control plane network interfaces.
# node:    every node (system and Karpenter); Karpenter finds it by the
#          karpenter.sh/discovery tag.

resource "aws_security_group" "cluster" {
  name        = "${var.name}-cluster"
  description = "EKS control plane of ${var.name}"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-cluster"
  }
}

resource "aws_security_group" "node" {
  name        = "${var.name}-node"
  description = "Nodes of ${var.name}"
  vpc_id      = var.vpc_id

  tags = {
    Name                                = "${var.name}-node"
    "karpenter.sh/discovery"            = var.name
    "kubernetes.io/cluster/${var.name}" = "owned"
  }
}

# Rules that reference another group: the description is sent on create but
# not compared afterwards, because the emulator used in tests drops it and
# every plan would otherwise show a change.
resource "aws_vpc_security_group_ingress_rule" "cluster_from_nodes" {
  security_group_id            = aws_security_group.cluster.id
  referenced_security_group_id = aws_security_group.node.id
  description                  = "Nodes to the Kubernetes API"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443

  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_egress_rule" "cluster_to_nodes" {
  security_group_id            = aws_security_group.cluster.id
  referenced_security_group_id = aws_security_group.node.id
  description                  = "Control plane to kubelets and webhooks"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535

  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_ingress_rule" "node_self" {
  security_group_id            = aws_security_group.node.id
  referenced_security_group_id = aws_security_group.node.id
  description                  = "Node to node, all protocols"
  ip_protocol                  = "-1"

  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_ingress_rule" "node_from_cluster" {
  # API server to kubelet (10250), webhooks and metrics on high ports.
  #checkov:skip=CKV_AWS_25:The source is the control plane security group, not 0.0.0.0/0.
  for_each = {
    https     = [443, 443]
    ephemeral = [1025, 65535]
  }

  security_group_id            = aws_security_group.node.id
  referenced_security_group_id = aws_security_group.cluster.id
  description                  = "Control plane to nodes (${each.key})"
  ip_protocol                  = "tcp"
  from_port                    = each.value[0]
  to_port                      = each.value[1]

  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_egress_rule" "node_all" {
  security_group_id = aws_security_group.node.id
  description       = "Nodes reach the internet through NAT"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

# --- control plane ------------------------------------------------------------

resource "aws_eks_cluster" "this" {
  #checkov:skip=CKV_AWS_39:slinky drives the cluster from the user's machine; the public endpoint is needed.
  #checkov:skip=CKV_AWS_38:Allowed CIDRs are a variable (cluster_endpoint_public_access_cidrs).
  name     = var.name
  version  = var.cluster_version
  role_arn = aws_iam_role.cluster.arn

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  vpc_config {
    subnet_ids              = var.subnet_ids
    security_group_ids      = [aws_security_group.cluster.id]
    endpoint_private_access = true
    endpoint_public_access  = true
    public_access_cidrs     = var.endpoint_public_access_cidrs
  }

  encryption_config {
    resources = ["secrets"]

    provider {
      key_arn = aws_kms_key.secrets.arn
    }
  }

  # Only with access entries: an emulator without the access entry API answers
  # without accessConfig, which would otherwise force a replacement.
  dynamic "access_config" {
    for_each = var.enable_access_entries ? [1] : []

    content {
      authentication_mode                         = "API_AND_CONFIG_MAP"
      bootstrap_cluster_creator_admin_permissions = true
    }
  }

  timeouts {
    create = "30m"
    update = "60m"
    delete = "30m"
  }

  depends_on = [
    aws_cloudwatch_log_group.cluster,
    aws_iam_role_policy_attachment.cluster,
    aws_iam_role_policy.cluster_kms,
  ]
}

# EKS makes a security group of its own for the cluster (control plane
# interfaces and managed nodes). Tags on the cluster do not propagate to it,
# nor does the provider's default_tags reach it, so each tag is set here.
resource "aws_ec2_tag" "cluster_security_group" {
  for_each = var.tag_eks_created_resources ? var.tags : {}

  resource_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  key         = each.key
  value       = each.value
}

# IAM trusts the cluster's service account tokens (IRSA). AWS no longer
# checks the thumbprint for EKS issuers; the value is the root CA of the
# issuer's certificate chain and only satisfies the API's shape.
resource "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url             = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]

  tags = {
    Name = "${var.name}-irsa"
  }
}

# --- access entries -----------------------------------------------------------

resource "aws_eks_access_entry" "admin" {
  for_each = var.enable_access_entries ? toset(var.admin_principal_arns) : toset([])

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value
  type          = "STANDARD"
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = aws_eks_access_entry.admin

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# --- system node group --------------------------------------------------------

# Instances, volumes and interfaces of the system nodes are tagged through
# tag_specifications. Some API emulators echo the template's own tags back as
# an extra tag specification, which would make a new template version (and a
# node group update) on every apply; tag_specifications is therefore only
# set at creation. Changing var.tags later does not retag new system nodes
# until the template is replaced.
resource "aws_launch_template" "system" {
  #checkov:skip=CKV_AWS_341:Hop limit 2 lets pods that still use the instance role reach IMDSv2 (EKS default).
  name                   = "${var.name}-system"
  description            = "System nodes of ${var.name}"
  update_default_version = true

  # compact(): an emulator may not report the EKS-made cluster group.
  vpc_security_group_ids = compact([
    aws_security_group.node.id,
    aws_eks_cluster.this.vpc_config[0].cluster_security_group_id,
  ])

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.node_disk_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  dynamic "tag_specifications" {
    for_each = toset(["instance", "volume", "network-interface"])

    content {
      resource_type = tag_specifications.value
      tags          = merge(var.tags, { Name = "${var.name}-system" })
    }
  }

  lifecycle {
    ignore_changes = [tag_specifications]
  }
}

resource "aws_eks_node_group" "system" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "system"
  node_role_arn   = module.node_role.arn
  subnet_ids      = var.subnet_ids
  version         = var.cluster_version
  ami_type        = "AL2023_x86_64_STANDARD"
  capacity_type   = "ON_DEMAND"
  instance_types  = var.node_instance_types

  launch_template {
    id      = aws_launch_template.system.id
    version = aws_launch_template.system.latest_version
  }

  scaling_config {
    min_size     = var.node_min_size
    max_size     = var.node_max_size
    desired_size = var.node_min_size
  }

  labels = {
    "slinky.slurm.net/node-pool" = "system"
  }

  timeouts {
    create = "30m"
    update = "60m"
    delete = "30m"
  }

  lifecycle {
    # desired_size belongs to the autoscaler once the group exists;
    # remote_access is filled in by some API emulators though never set here.
    ignore_changes = [scaling_config[0].desired_size, remote_access]
  }

  depends_on = [
    module.node_role,
    aws_eks_addon.before_nodes,
  ]
}

# The Auto Scaling group behind the node group is made by EKS, which does not
# pass the node group's tags on to it. The instances it launches are tagged
# by the launch template already, so nothing propagates at launch.
resource "aws_autoscaling_group_tag" "system" {
  for_each = var.tag_eks_created_resources ? var.tags : {}

  autoscaling_group_name = aws_eks_node_group.system.resources[0].autoscaling_groups[0].name

  tag {
    key                 = each.key
    value               = each.value
    propagate_at_launch = false
  }
}

# --- add-ons ------------------------------------------------------------------
# The networking add-ons come before the nodes so nodes turn Ready at once;
# the rest need running nodes.

locals {
  addons_before_nodes = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]

  enabled_addons = var.enable_addons ? toset([for k, v in var.addons : k if v]) : toset([])

  addon_roles = {
    "aws-ebs-csi-driver" = aws_iam_role.ebs_csi.arn
  }

  # The add-ons that create AWS resources tag them with the stack's tags: the
  # VPC CNI the network interfaces it attaches to nodes (beyond the primary
  # one), the EBS CSI driver the volumes and snapshots of persistent volumes.
  addon_configuration = {
    "vpc-cni" = jsonencode({
      env = { ADDITIONAL_ENI_TAGS = jsonencode(var.tags) }
    })
    "aws-ebs-csi-driver" = jsonencode({
      controller = { extraVolumeTags = var.tags }
    })
  }
}

resource "aws_eks_addon" "before_nodes" {
  for_each = setintersection(local.enabled_addons, toset(local.addons_before_nodes))

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.value
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  service_account_role_arn    = lookup(local.addon_roles, each.value, null)
  configuration_values        = lookup(local.addon_configuration, each.value, null)

  timeouts {
    create = "30m"
    update = "30m"
    delete = "20m"
  }
}

resource "aws_eks_addon" "after_nodes" {
  for_each = setsubtract(local.enabled_addons, toset(local.addons_before_nodes))

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.value
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  service_account_role_arn    = lookup(local.addon_roles, each.value, null)
  configuration_values        = lookup(local.addon_configuration, each.value, null)

  timeouts {
    create = "30m"
    update = "30m"
    delete = "20m"
  }

  depends_on = [aws_eks_node_group.system]
}
