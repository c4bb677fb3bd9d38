# The state of one environment: a versioned, KMS-encrypted, TLS-only bucket. Locking is
# S3-native (backend "s3" with use_lockfile = true writes a .tflock object next to the
# state), so no DynamoDB table is needed.

data "aws_caller_identity" "current" {}

locals {
  bucket = var.account_id == null ? "${var.name}-tfstate" : "${var.name}-tfstate-${var.account_id}"
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the account root must administer it.
  # checkov:skip=CKV_AWS_111:Same: key policies always name "*" as resource, scoped to the key itself.
  # checkov:skip=CKV_AWS_356:Same: "*" in a key policy is the key it is attached to.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "${var.name} Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = merge(var.tags, { Name = "${var.name}-tfstate" })
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.name}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

module "bucket" {
  source = "../storage/modules/bucket"

  name                               = local.bucket
  kms_key_arn                        = aws_kms_key.state.arn
  force_destroy                      = var.force_destroy
  lifecycle_enabled                  = var.lifecycle_enabled
  noncurrent_version_expiration_days = 90 # old states are the way back from a bad apply
  tags                               = var.tags
}
