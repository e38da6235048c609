# Shared storage of the Slurm cluster: an S3 bucket holding data, scripts and
# checkpoints, and an FSx for Lustre file system (mounted at /fsx by the
# login and compute pods) linked to it by a data repository association.

resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_18:A scratch/data bucket of one cluster; access logs would need a second bucket.
  #checkov:skip=CKV_AWS_144:Cross-region replication is out of scope for a training scratch bucket.
  #checkov:skip=CKV2_AWS_62:FSx imports changes through the data repository association, not bucket events.
  #checkov:skip=CKV_AWS_145:SSE-S3 keeps the FSx association free of KMS key grants.
  # Bucket names are global and lower case: a short, cleaned prefix plus a
  # unique suffix chosen by Terraform.
  bucket_prefix = "${substr(replace(lower(var.name), "_", "-"), 0, 24)}-fsx-"
  force_destroy = var.bucket_force_destroy
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.data]
}

data "aws_iam_policy_document" "data" {
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.data.json

  depends_on = [aws_s3_bucket_public_access_block.data]
}

# --- Lustre -------------------------------------------------------------------

resource "aws_security_group" "lustre" {
  name        = "${var.name}-fsx-lustre"
  description = "FSx for Lustre of ${var.name}"
  vpc_id      = var.vpc_id

  tags = {
    Name = "${var.name}-fsx-lustre"
  }
}

resource "aws_vpc_security_group_ingress_rule" "lustre_from_vpc" {
  for_each = {
    lnet    = [988, 988]
    servers = [1018, 1023]
  }

  security_group_id = aws_security_group.lustre.id
  description       = "Lustre ${each.key} traffic from the cluster VPC"
  cidr_ipv4         = var.vpc_cidr
  ip_protocol       = "tcp"
  from_port         = each.value[0]
  to_port           = each.value[1]
}

resource "aws_vpc_security_group_ingress_rule" "lustre_self" {
  security_group_id            = aws_security_group.lustre.id
  referenced_security_group_id = aws_security_group.lustre.id
  description                  = "Lustre traffic between file servers"
  ip_protocol                  = "tcp"
  from_port                    = 988
  to_port                      = 1023

  lifecycle {
    ignore_changes = [description]
  }
}

resource "aws_vpc_security_group_egress_rule" "lustre_all" {
  security_group_id = aws_security_group.lustre.id
  description       = "Replies and repository traffic"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_fsx_lustre_file_system" "this" {
  #checkov:skip=CKV_AWS_190:Encrypted at rest with the FSx service key.
  deployment_type             = "PERSISTENT_2"
  file_system_type_version    = "2.15"
  storage_type                = "SSD"
  storage_capacity            = var.storage_capacity
  per_unit_storage_throughput = var.throughput_per_tib
  data_compression_type       = "LZ4"
  subnet_ids                  = [var.subnet_id]
  security_group_ids          = [aws_security_group.lustre.id]

  tags = {
    Name = "${var.name}-fsx"
  }

  timeouts {
    create = "60m"
    update = "60m"
    delete = "60m"
  }
}

# Objects in the bucket appear under file_system_path and new files flow back
# to the bucket. Creating an association often takes more than ten minutes.
resource "aws_fsx_data_repository_association" "data" {
  file_system_id                   = aws_fsx_lustre_file_system.this.id
  file_system_path                 = var.file_system_path
  data_repository_path             = "s3://${aws_s3_bucket.data.id}"
  batch_import_meta_data_on_create = true
  delete_data_in_filesystem        = false

  s3 {
    auto_import_policy {
      events = ["NEW", "CHANGED", "DELETED"]
    }

    auto_export_policy {
      events = ["NEW", "CHANGED", "DELETED"]
    }
  }

  timeouts {
    create = "30m"
    update = "30m"
    delete = "30m"
  }

  depends_on = [aws_s3_bucket_policy.data]
}
