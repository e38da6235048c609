data "aws_partition" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy"
}

# --- control plane role -----------------------------------------------------

data "aws_iam_policy_document" "cluster_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name                  = "${var.name}-cluster"
  description           = "EKS control plane of ${var.name}"
  assume_role_policy    = data.aws_iam_policy_document.cluster_trust.json
  force_detach_policies = true
}

resource "aws_iam_role_policy_attachment" "cluster" {
  for_each = toset(["AmazonEKSClusterPolicy", "AmazonEKSVPCResourceController"])

  role       = aws_iam_role.cluster.name
  policy_arn = "${local.policy_arn}/${each.value}"
}

# --- system node role -------------------------------------------------------

module "node_role" {
  source = "../node_role"

  name        = "${var.name}-system-node"
  description = "Nodes of the system node group of ${var.name}"
}

# --- IRSA role of the EBS CSI driver add-on ---------------------------------

locals {
  oidc_issuer_host = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
  # The ARN IAM gives a provider for this issuer, whether or not this stack created it.
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.this[0].arn : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/${local.oidc_issuer_host}"
}

data "aws_iam_policy_document" "ebs_csi_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer_host}:sub"
      values   = ["system:serviceaccount:kube-system:ebs-csi-controller-sa"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ebs_csi" {
  name                  = "${var.name}-ebs-csi"
  description           = "EBS CSI driver of ${var.name} (IRSA)"
  assume_role_policy    = data.aws_iam_policy_document.ebs_csi_trust.json
  force_detach_policies = true
}

resource "aws_iam_role_policy_attachment" "ebs_csi" {
  role       = aws_iam_role.ebs_csi.name
  policy_arn = "${local.policy_arn}/service-role/AmazonEBSCSIDriverPolicy"
}
