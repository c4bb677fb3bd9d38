# Offline: every bucket (primary and DR) is encrypted with a customer-managed key, and the
# replication role names the buckets and keys it may touch.
mock_provider "aws" {
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "dr"
  source = "./tests/mocks"
}

variables {
  name       = "qv-test"
  account_id = "333333333333"
  kms_key_arns = {
    data    = "arn:aws:kms:eu-west-1:333333333333:key/data"
    backup  = "arn:aws:kms:eu-west-1:333333333333:key/backup"
    logs    = "arn:aws:kms:eu-west-1:333333333333:key/logs"
    secrets = "arn:aws:kms:eu-west-1:333333333333:key/secrets"
  }
  dr_kms_key_arns = {
    data    = "arn:aws:kms:eu-central-1:333333333333:key/data"
    backup  = "arn:aws:kms:eu-central-1:333333333333:key/backup"
    logs    = "arn:aws:kms:eu-central-1:333333333333:key/logs"
    secrets = "arn:aws:kms:eu-central-1:333333333333:key/secrets"
  }
}

run "every_bucket_uses_its_cmk_and_replicates" {
  command = apply
  module {
    source = "./modules/storage"
  }

  assert {
    condition     = length(output.encryption) == 6
    error_message = "three primary buckets and three DR replicas expected"
  }
  assert {
    condition     = alltrue([for e in values(output.encryption) : e.algorithm == "aws:kms" && startswith(e.kms_key_arn, "arn:aws:kms:")])
    error_message = "every bucket must use SSE-KMS with a customer-managed key"
  }
  assert {
    condition     = output.encryption["backup"].kms_key_arn == var.kms_key_arns["backup"] && output.encryption["backup-dr"].kms_key_arn == var.dr_kms_key_arns["backup"]
    error_message = "the backup buckets must use the backup data class keys"
  }
  assert {
    condition = output.encryption == {
      backup       = { algorithm = "aws:kms", kms_key_arn = "arn:aws:kms:eu-west-1:333333333333:key/backup" }
      logs         = { algorithm = "aws:kms", kms_key_arn = "arn:aws:kms:eu-west-1:333333333333:key/logs" }
      artifacts    = { algorithm = "aws:kms", kms_key_arn = "arn:aws:kms:eu-west-1:333333333333:key/data" }
      backup-dr    = { algorithm = "aws:kms", kms_key_arn = "arn:aws:kms:eu-central-1:333333333333:key/backup" }
      logs-dr      = { algorithm = "aws:kms", kms_key_arn = "arn:aws:kms:eu-central-1:333333333333:key/logs" }
      artifacts-dr = { algorithm = "aws:kms", kms_key_arn = "arn:aws:kms:eu-central-1:333333333333:key/data" }
    }
    error_message = "encryption-at-rest/customer-managed-key: each bucket's default encryption must be SSE-KMS with its data class's CMK in its own region (backup, logs, data)"
  }
  assert {
    condition = { for k, r in aws_s3_bucket_replication_configuration.to_dr : k => one(r.rule).destination[0].encryption_configuration[0].replica_kms_key_id } == {
      backup    = "arn:aws:kms:eu-central-1:333333333333:key/backup"
      logs      = "arn:aws:kms:eu-central-1:333333333333:key/logs"
      artifacts = "arn:aws:kms:eu-central-1:333333333333:key/data"
    }
    error_message = "encryption-at-rest/customer-managed-key: replicated objects must be re-encrypted with the DR region's CMK of their class"
  }
  assert {
    condition     = length(aws_s3_bucket_replication_configuration.to_dr) == 3
    error_message = "every bucket must replicate to the DR region"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.replication.statement : !contains(s.resources, "*")])
    error_message = "the replication role must name its resources"
  }
}

run "replication_can_be_switched_off" {
  command = apply
  module {
    source = "./modules/storage"
  }
  variables {
    replication_enabled = false
  }

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.to_dr) == 0 && length(output.dr_bucket_names) == 0
    error_message = "replication_enabled = false must create no replica"
  }
}
