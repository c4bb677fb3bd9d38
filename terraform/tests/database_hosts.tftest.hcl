# Offline: database hosts (hardened by modules/host, see host.tftest.hcl) are spread over
# the zones, tagged for the inventory, and their role names its resources.
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
    condition     = length(output.instance_ids) == 3 && length(distinct(module.host.subnet_ids)) == 3
    error_message = "three nodes, each in its own data subnet (AZ)"
  }
  assert {
    condition     = output.hostnames == tolist(["quantumvest-prod-primary-db1", "quantumvest-prod-primary-db2", "quantumvest-prod-primary-db3"])
    error_message = "hostnames are <name>-db<n>"
  }
  assert {
    condition = alltrue([for t in module.host.instance_tags : t["qv:role"] == "database" && t["qv:environment"] == "prod" && t["qv:region-role"] == "primary"
    && t["qv:patroni-cluster"] == "quantumvest-prod-primary" && t["qv:patroni-standby"] == "false"])
    error_message = "the inventory tags (qv:role, qv:environment, qv:region-role, qv:patroni-*) must be set"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : !contains(s.resources, "*")])
    error_message = "the host role must name its resources"
  }
  assert {
    condition     = length(module.host.root_volumes) == 3 && alltrue([for v in module.host.root_volumes : v.encrypted && v.kms_key_id == var.kms_key_arn])
    error_message = "encryption-at-rest/customer-managed-key: every database host's volume must be encrypted with the data CMK"
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
