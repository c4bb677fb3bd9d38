# Who did what to the platform's AWS account, and who read or wrote its data: one CloudTrail
# trail per environment, in every region (management events), with S3 data events for the
# platform's data buckets (the object-level access log those buckets cannot have as S3 server
# access logs, which cannot be delivered to an SSE-KMS bucket). Log files go to a dedicated
# bucket only CloudTrail may write to, encrypted with the environment's logs key and signed
# (log file validation), and to a CloudWatch log group where alarms and queries can read them.

data "aws_region" "current" {}

locals {
  trail_name = "${var.name}-audit"
  # Built from the name (not read from the trail) so the bucket policy and the delivery role's
  # trust can name the trail before it exists.
  trail_arn   = "arn:aws:cloudtrail:${data.aws_region.current.name}:${var.account_id}:trail/${local.trail_name}"
  bucket_name = "${var.name}-audit-${var.account_id}"
  bucket_arn  = "arn:aws:s3:::${local.bucket_name}"
}

# --- Where the log files go ------------------------------------------------------------

# CloudTrail's documented bucket policy, narrowed to this trail by aws:SourceArn.
data "aws_iam_policy_document" "delivery" {
  statement {
    sid       = "CloudTrailReadsAcl"
    actions   = ["s3:GetBucketAcl"]
    resources = [local.bucket_arn]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }
  statement {
    sid       = "CloudTrailWritesLogFiles"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/AWSLogs/${var.account_id}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}

module "bucket" {
  source = "../storage/modules/bucket"

  name                               = local.bucket_name
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = var.force_destroy
  lifecycle_enabled                  = var.lifecycle_enabled
  tls_only                           = var.tls_only
  policy_documents                   = [data.aws_iam_policy_document.delivery.json]
  noncurrent_version_expiration_days = 30
  current_version_expiration_days    = var.log_file_retention_days
  tags                               = merge(var.tags, { "qv:bucket" = "audit" })
}

# --- The CloudWatch Logs copy ----------------------------------------------------------

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/quantumvest/cloudtrail/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "delivery_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }
}

resource "aws_iam_role" "delivery" {
  name               = "${var.name}-cloudtrail-logs"
  assume_role_policy = data.aws_iam_policy_document.delivery_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "write_log_group" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.trail.arn}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "delivery" {
  name   = "write-trail-log-group"
  role   = aws_iam_role.delivery.id
  policy = data.aws_iam_policy_document.write_log_group.json
}

# --- The trail -------------------------------------------------------------------------

resource "aws_cloudtrail" "this" {
  # checkov:skip=CKV_AWS_252:No one subscribes to per-log-file delivery notifications; the log files are read from the bucket and from the CloudWatch log group, so an SNS topic would be an unused target.
  name                          = local.trail_name
  s3_bucket_name                = module.bucket.id
  kms_key_id                    = var.kms_key_arn
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.delivery.arn

  event_selector {
    read_write_type           = "All"
    include_management_events = true

    # Every object of each data bucket, read and write: the object-level access log.
    data_resource {
      type   = "AWS::S3::Object"
      values = [for arn in var.data_bucket_arns : "${arn}/"]
    }
  }

  tags = var.tags

  # CloudTrail checks that it may write to the bucket and the log group when the trail is made.
  depends_on = [module.bucket, aws_iam_role_policy.delivery]
}
