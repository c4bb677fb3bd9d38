# The platform's buckets (pgBackRest repository, logs, artifacts), each with a twin in the
# DR region that S3 replication keeps current, so a regional loss keeps the backups.

locals {
  bucket_names    = { for k, _ in var.buckets : k => "${var.name}-${k}-${var.account_id}" }
  dr_bucket_names = { for k, _ in var.buckets : k => "${var.name}-${k}-dr-${var.account_id}" }
  dr_buckets      = var.replication_enabled ? var.buckets : {}
}

module "bucket" {
  source   = "./modules/bucket"
  for_each = var.buckets

  name                               = local.bucket_names[each.key]
  kms_key_arn                        = var.kms_key_arns[each.value.kms_class]
  force_destroy                      = var.force_destroy
  lifecycle_enabled                  = var.lifecycle_enabled
  tls_only                           = var.tls_only
  noncurrent_version_expiration_days = each.value.noncurrent_version_expiration_days
  current_version_expiration_days    = each.value.current_version_expiration_days
  transition_to_ia_days              = each.value.transition_to_ia_days
  tags                               = merge(var.tags, { "qv:bucket" = each.key })
}

module "dr_bucket" {
  source   = "./modules/bucket"
  for_each = local.dr_buckets
  providers = {
    aws = aws.dr
  }

  name                               = local.dr_bucket_names[each.key]
  kms_key_arn                        = var.dr_kms_key_arns[each.value.kms_class]
  force_destroy                      = var.force_destroy
  lifecycle_enabled                  = var.lifecycle_enabled
  tls_only                           = var.tls_only
  noncurrent_version_expiration_days = each.value.noncurrent_version_expiration_days
  current_version_expiration_days    = each.value.current_version_expiration_days
  transition_to_ia_days              = each.value.transition_to_ia_days
  tags                               = merge(var.tags, { "qv:bucket" = each.key, "qv:replica" = "true" })
}

data "aws_iam_policy_document" "replication_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "replication" {
  count = var.replication_enabled ? 1 : 0

  name               = "${var.name}-s3-replication"
  assume_role_policy = data.aws_iam_policy_document.replication_assume.json
  tags               = var.tags
}

# Least privilege: read the named source buckets, write the named replicas, use the named keys.
data "aws_iam_policy_document" "replication" {
  statement {
    sid       = "ReadSourceConfiguration"
    actions   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
    resources = [for k, _ in local.dr_buckets : module.bucket[k].arn]
  }
  statement {
    sid = "ReadSourceObjects"
    actions = [
      "s3:GetObjectVersionForReplication",
      "s3:GetObjectVersionAcl",
      "s3:GetObjectVersionTagging",
    ]
    resources = [for k, _ in local.dr_buckets : "${module.bucket[k].arn}/*"]
  }
  statement {
    sid       = "WriteReplicas"
    actions   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    resources = [for k, _ in local.dr_buckets : "${module.dr_bucket[k].arn}/*"]
  }
  statement {
    sid       = "DecryptSource"
    actions   = ["kms:Decrypt"]
    resources = distinct([for k, b in local.dr_buckets : var.kms_key_arns[b.kms_class]])
  }
  statement {
    sid       = "EncryptReplica"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey"]
    resources = distinct([for k, b in local.dr_buckets : var.dr_kms_key_arns[b.kms_class]])
  }
}

resource "aws_iam_role_policy" "replication" {
  count = var.replication_enabled ? 1 : 0

  name   = "replicate-to-dr"
  role   = aws_iam_role.replication[0].id
  policy = data.aws_iam_policy_document.replication.json
}

resource "aws_s3_bucket_replication_configuration" "to_dr" {
  for_each = local.dr_buckets

  bucket = module.bucket[each.key].id
  role   = aws_iam_role.replication[0].arn

  rule {
    id     = "to-dr-region"
    status = "Enabled"

    filter {}

    delete_marker_replication {
      status = "Enabled"
    }

    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }

    destination {
      bucket        = module.dr_bucket[each.key].arn
      storage_class = "STANDARD"
      encryption_configuration {
        replica_kms_key_id = var.dr_kms_key_arns[each.value.kms_class]
      }
    }
  }

  # Replication needs versioning on both sides first.
  depends_on = [module.bucket, module.dr_bucket]
}
