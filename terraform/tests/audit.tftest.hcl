# Offline: the environment's trail records management events in every region and every object
# read and write of exactly the data buckets it is given, signs and encrypts its log files with
# the environment's logs key, and delivers them only to its own bucket and log group.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name        = "quantumvest-prod"
  account_id  = "333333333333"
  kms_key_arn = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  data_bucket_arns = [
    "arn:aws:s3:::quantumvest-prod-backup-333333333333",
    "arn:aws:s3:::quantumvest-prod-logs-333333333333",
    "arn:aws:s3:::quantumvest-prod-backup-dr-333333333333",
  ]
  log_retention_days = 365
}

run "trail_covers_every_region_signed_and_encrypted_with_the_cmk" {
  command = apply
  module {
    source = "./modules/audit"
  }

  assert {
    condition     = aws_cloudtrail.this.is_multi_region_trail && aws_cloudtrail.this.include_global_service_events
    error_message = "the trail must record every region, global services included"
  }
  assert {
    condition     = aws_cloudtrail.this.enable_log_file_validation
    error_message = "log file validation must be on (digest files prove the log files were not altered)"
  }
  assert {
    condition     = aws_cloudtrail.this.kms_key_id == "arn:aws:kms:eu-west-1:333333333333:key/logs" && aws_cloudwatch_log_group.trail.kms_key_id == "arn:aws:kms:eu-west-1:333333333333:key/logs" && output.bucket_name == "quantumvest-prod-audit-333333333333"
    error_message = "log files and the log group must be encrypted with the environment's logs key, in the trail's own bucket"
  }
  assert {
    condition     = aws_cloudwatch_log_group.trail.retention_in_days == 365 && aws_cloudtrail.this.cloud_watch_logs_group_arn == "${aws_cloudwatch_log_group.trail.arn}:*"
    error_message = "the trail delivers to its log group, kept as long as the platform's other logs"
  }
}

run "data_events_cover_exactly_the_data_buckets_read_and_write" {
  command = apply
  module {
    source = "./modules/audit"
  }

  assert {
    condition     = length(aws_cloudtrail.this.event_selector) == 1 && aws_cloudtrail.this.event_selector[0].read_write_type == "All" && aws_cloudtrail.this.event_selector[0].include_management_events
    error_message = "one selector: management events and data events, reads and writes"
  }
  assert {
    condition = toset(flatten([for s in aws_cloudtrail.this.event_selector : [for d in s.data_resource : d.values if d.type == "AWS::S3::Object"]])) == toset([
      "arn:aws:s3:::quantumvest-prod-backup-333333333333/",
      "arn:aws:s3:::quantumvest-prod-logs-333333333333/",
      "arn:aws:s3:::quantumvest-prod-backup-dr-333333333333/",
    ])
    error_message = "S3 data events must cover every object of the data buckets and nothing else (not all buckets, not the trail's own)"
  }
}

run "only_this_trail_may_write_to_its_bucket" {
  command = apply
  module {
    source = "./modules/audit"
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.delivery.statement :
      one(s.principals).identifiers == toset(["cloudtrail.amazonaws.com"]) &&
      anytrue([for c in s.condition : c.variable == "aws:SourceArn" && toset(c.values) == toset(["arn:aws:cloudtrail:eu-west-1:333333333333:trail/quantumvest-prod-audit"])])
    ])
    error_message = "every statement of the bucket policy must admit CloudTrail only, for this trail (aws:SourceArn)"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.delivery.statement : s.resources if s.sid == "CloudTrailWritesLogFiles"]) == toset(["arn:aws:s3:::quantumvest-prod-audit-333333333333/AWSLogs/333333333333/*"])
    error_message = "CloudTrail writes only under AWSLogs/<account>/ of the audit bucket"
  }
  assert {
    condition     = anytrue([for c in one(data.aws_iam_policy_document.delivery_assume.statement).condition : c.variable == "aws:SourceArn" && toset(c.values) == toset(["arn:aws:cloudtrail:eu-west-1:333333333333:trail/quantumvest-prod-audit"])])
    error_message = "the log-delivery role must be assumable by this trail only"
  }
}

run "rejects_an_object_path_as_a_data_bucket" {
  command = plan
  module {
    source = "./modules/audit"
  }
  variables {
    data_bucket_arns = ["arn:aws:s3:::quantumvest-prod-backup-333333333333/pgbackrest"]
  }
  expect_failures = [var.data_bucket_arns]
}
