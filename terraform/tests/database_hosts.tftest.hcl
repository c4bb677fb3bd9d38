# Offline: database hosts are private, IMDSv2-only, encrypted, and tagged for the inventory.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                 = "quantumvest-prod-primary"
  environment          = "prod"
  region_role          = "primary"
  host_count           = 3
  instance_type        = "r6i.xlarge"
  volume_gb            = 500
  subnet_ids           = ["subnet-a", "subnet-b", "subnet-c"]
  security_group_id    = "sg-db"
  kms_key_arn          = "arn:aws:kms:eu-west-1:333333333333:key/data"
  backup_bucket_arns   = ["arn:aws:s3:::quantumvest-prod-backup-333333333333"]
  backup_kms_key_arns  = ["arn:aws:kms:eu-west-1:333333333333:key/backup"]
  secret_arns          = ["arn:aws:secretsmanager:*:333333333333:secret:quantumvest/prod/database/app-*"]
  secrets_kms_key_arns = ["arn:aws:kms:eu-west-1:333333333333:key/secrets"]
}

run "hardened_hosts_one_per_zone" {
  command = apply
  module {
    source = "./modules/database_hosts"
  }

  assert {
    condition     = length(aws_instance.this) == 3 && length(distinct(aws_instance.this[*].subnet_id)) == 3
    error_message = "three nodes, each in its own data subnet (AZ)"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.metadata_options[0].http_tokens == "required"])
    error_message = "IMDSv2 must be required"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.associate_public_ip_address == false])
    error_message = "database hosts must have no public address"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.root_block_device[0].encrypted && i.root_block_device[0].kms_key_id == var.kms_key_arn])
    error_message = "volumes must be encrypted with the data CMK"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.tags["qv:role"] == "database" && i.tags["qv:environment"] == "prod" && i.tags["qv:region-role"] == "primary"])
    error_message = "the inventory tags (qv:role, qv:environment, qv:region-role) must be set"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : !contains(s.resources, "*")])
    error_message = "the host role must name its resources"
  }
}

run "rejects_an_even_etcd_cluster" {
  command = plan
  module {
    source = "./modules/database_hosts"
  }
  variables {
    host_count = 2
  }
  expect_failures = [var.host_count]
}
