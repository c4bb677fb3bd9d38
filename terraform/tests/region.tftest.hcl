# Offline: one region's slice. The DR standby cluster takes its size from its own host
# group; without one the region has no database hosts; the local DR region is keys only.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name        = "quantumvest-prod-dr"
  region_role = "dr"
  environment = "prod"
  account_id  = "333333333333"
  cloud       = true
  network = {
    vpc_cidr           = "10.41.0.0/16"
    availability_zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    nat                = "single"
    subnets = {
      public       = ["10.41.0.0/24", "10.41.1.0/24", "10.41.2.0/24"]
      private_app  = ["10.41.16.0/20", "10.41.32.0/20", "10.41.48.0/20"]
      private_data = ["10.41.64.0/24", "10.41.65.0/24", "10.41.66.0/24"]
    }
  }
  app_port   = 8000
  kubernetes = { version = "1.31", node_groups = [{ name = "app", instance_types = ["t3.large"], min_size = 2, desired_size = 2, max_size = 4 }] }
  database_access = {
    backup_bucket_arns   = ["arn:aws:s3:::quantumvest-prod-backup-333333333333", "arn:aws:s3:::quantumvest-prod-backup-dr-333333333333"]
    backup_kms_key_arns  = ["arn:aws:kms:eu-west-1:333333333333:key/backup", "arn:aws:kms:eu-central-1:333333333333:key/backup"]
    secret_arns          = ["arn:aws:secretsmanager:*:333333333333:secret:quantumvest/prod/backup/cipher-*"]
    secrets_kms_key_arns = ["arn:aws:kms:eu-west-1:333333333333:key/secrets"]
  }
}

run "dr_standby_cluster_sized_by_its_host_group" {
  command = plan
  module {
    source = "./modules/region"
  }
  variables {
    database_hosts = { count = 2, instance_type = "t3.medium", volume_gb = 50 }
  }

  assert {
    condition     = tolist(output.database_hostnames) == tolist(["quantumvest-prod-dr-db1", "quantumvest-prod-dr-db2"])
    error_message = "the DR cluster has hosts.database_dr.count hosts"
  }
  assert {
    condition     = length(module.network) == 1 && length(module.eks) == 1 && length(module.cache) == 0
    error_message = "a cloud region has its network and cluster; no cache unless enabled"
  }
  assert {
    condition     = length(output.security_group_ids) == 6
    error_message = "a cloud region has the tier security groups"
  }
}

run "no_database_hosts_without_a_host_group" {
  command = plan
  module {
    source = "./modules/region"
  }
  variables {
    database_hosts = null
  }

  assert {
    condition     = length(output.database_hostnames) == 0 && length(module.database_hosts) == 0 && output.database_role_arn == null
    error_message = "an absent host group builds no database hosts"
  }
}

run "local_dr_region_is_keys_only" {
  command = plan
  module {
    source = "./modules/region"
  }
  variables {
    name        = "quantumvest-local-dr"
    environment = "local"
    cloud       = false
    network     = null
  }

  assert {
    condition     = output.vpc_id == null && length(module.network) == 0 && length(module.eks) == 0 && length(output.security_group_ids) == 0
    error_message = "locally the DR region has KMS keys and nothing else"
  }
}

run "a_cloud_region_needs_its_network" {
  command = plan
  module {
    source = "./modules/region"
  }
  variables {
    network = null
  }
  expect_failures = [var.cloud]
}
