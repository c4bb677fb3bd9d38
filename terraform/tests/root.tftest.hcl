# Offline: the whole root module per environment, from environments/<env>.yaml. Plans
# only (a mocked apply of ~360 resources costs minutes on two cores); what depends on
# computed values is asserted in the module tests.
mock_provider "aws" {
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "dr"
  source = "./tests/mocks"
}
# The secrets generator is a real provider, configured offline and never called.
provider "aws" {
  alias                       = "secrets_generator"
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variables {
  generate_secret_values = false
  # A throwaway certificate (no key kept): what `qvctl up` passes is the environment CA's.
  environment_ca_certificate_file = "tests/fixtures/environment-ca.crt"
}

run "prod_has_a_nat_per_az_and_replicates_to_dr" {
  command = plan
  variables {
    environment = "prod"
  }

  assert {
    condition     = length(module.primary.nat_gateway_ids) == 3 && length(module.dr.nat_gateway_ids) == 3
    error_message = "prod must have a NAT gateway per AZ in both regions"
  }
  assert {
    condition     = module.storage.replication_enabled && length(module.storage.dr_bucket_names) == 3
    error_message = "DR replication must be on in prod"
  }
  assert {
    condition     = length(output.bucket_encryption) == 6 && alltrue([for e in values(output.bucket_encryption) : e.algorithm == "aws:kms"])
    error_message = "every bucket must be encrypted with a CMK"
  }
  assert {
    condition     = length(module.primary.database_instance_ids) == 3 && length(module.dr.database_instance_ids) == 3
    error_message = "a three-node Patroni cluster in each region (prod: hosts.database and hosts.database_dr)"
  }
  assert {
    condition = output.internal_dns.zone == "internal.quantumvest.example.com" && output.internal_dns.records == {
      postgres      = "postgres.internal.quantumvest.example.com"
      "postgres-ro" = "postgres-ro.internal.quantumvest.example.com"
      "postgres-dr" = "postgres-dr.internal.quantumvest.example.com"
      redis         = "redis.internal.quantumvest.example.com"
      logs          = "logs.internal.quantumvest.example.com"
    }
    error_message = "the private zone names the clusters, the cache and the log store"
  }
  assert {
    condition     = output.secret_names.backup_cipher == "quantumvest/prod/backup/cipher"
    error_message = "the pgBackRest passphrase is a generated secret like the others"
  }
  assert {
    condition     = output.secret_names.database_app == "quantumvest/prod/database/app" && output.ca_secret_name == "quantumvest/prod/pki/ca"
    error_message = "secret names follow the contract, the environment CA included"
  }
  assert {
    condition = jsonencode([for st in local.service_accounts["api"].statements : [st.actions, sort(st.resources)]]) == jsonencode([[["elasticache:Connect"], sort([
      "arn:aws:elasticache:eu-west-1:333333333333:replicationgroup:quantumvest-prod-primary", "arn:aws:elasticache:eu-west-1:333333333333:user:quantumvest-prod-api",
      "arn:aws:elasticache:eu-central-1:333333333333:replicationgroup:quantumvest-prod-dr", "arn:aws:elasticache:eu-central-1:333333333333:user:quantumvest-prod-api",
    ])]])
    error_message = "the API's role may only log in to the two caches as its own user (it reads its secrets from files, never from AWS)"
  }
  assert {
    condition = sort(flatten([for s in local.service_accounts["external-secrets"].statements : s.resources if s.sid == "ReadPodSecrets"])) == sort([
      for path in ["database/app", "database/owner", "pki/ca", "cache/endpoint"] : "arn:aws:secretsmanager:*:333333333333:secret:quantumvest/prod/${path}-*"
    ])
    error_message = "External Secrets reads only the secrets the pods mount: never the superuser's, replication, Patroni or backup secrets"
  }
  assert {
    condition = (local.service_accounts["external-secrets-logging"].namespace == "logging"
      && jsonencode([for s in local.service_accounts["external-secrets-logging"].statements : [s.actions, s.resources] if startswith(join(",", s.actions), "secretsmanager:")])
    == jsonencode([[["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], ["arn:aws:secretsmanager:*:333333333333:secret:quantumvest/prod/logs/endpoint-*"]]]))
    error_message = "the logging namespace's External Secrets identity reads the log store's endpoint and nothing else"
  }
  assert {
    condition     = module.secrets.logs_endpoint_secret_name == "quantumvest/prod/logs/endpoint" && local.logs_endpoint_published
    error_message = "a cloud environment with OpenSearch publishes the domain's endpoint for Fluent Bit on EKS"
  }
  assert {
    condition     = toset(keys(module.primary.irsa_role_arns)) == toset(["api", "external-secrets", "external-secrets-logging", "fluent-bit", "backup"])
    error_message = "IRSA roles for api, external-secrets (application namespace), external-secrets-logging (logging namespace), fluent-bit and backup"
  }
  assert {
    condition     = length(module.audit) == 1 && length(module.audit[0].data_bucket_arns) == 7 && contains(module.audit[0].data_bucket_arns, "arn:aws:s3:::quantumvest-prod-tfstate-333333333333") && local.audit_trail_arn == "arn:aws:cloudtrail:eu-west-1:333333333333:trail/quantumvest-prod-audit"
    error_message = "one trail for the environment, recording the three data buckets, their three DR twins and the state bucket"
  }
  assert {
    condition     = output.audit.dns_query_logs.primary != null && output.audit.dns_query_logs.dr != null
    error_message = "both regions' VPCs log their DNS queries"
  }
}

run "dev_standby_cluster_follows_its_own_host_group" {
  command = plan
  variables {
    environment = "dev"
    # As on the emulator: no domain, so no endpoint to publish and no logs record.
    opensearch_enabled = false
  }

  assert {
    condition     = length(module.primary.database_hostnames) == 3 && length(module.dr.database_hostnames) == 2
    error_message = "dev: three primary nodes (hosts.database), two DR standby nodes (hosts.database_dr)"
  }
  assert {
    condition     = length(module.internal_dns) == 1 && contains(keys(output.internal_dns.records), "postgres-dr")
    error_message = "the DR standby cluster has its private name"
  }
  assert {
    condition     = !local.logs_endpoint_published && !contains(keys(output.internal_dns.records), "logs")
    error_message = "without an OpenSearch domain no endpoint is published (modules/secrets writes no value) and the zone has no logs record"
  }
}

run "local_is_the_small_slice" {
  command = plan
  variables {
    environment            = "local"
    aws_endpoint_url       = "http://127.0.0.1:5000"
    s3_replication_enabled = false
  }

  assert {
    condition     = module.primary.eks_cluster_name == null && length(module.primary.database_hostnames) == 0 && length(module.edge) == 0 && module.dr.vpc_id == null
    error_message = "the local environment creates no cloud-only component"
  }
  assert {
    condition     = !local.logs_endpoint_published
    error_message = "the local environment has no log store whose endpoint to publish"
  }
  assert {
    condition     = output.environment == "local" && output.primary_region == "us-east-1" && length(output.kms_key_arns) == 4
    error_message = "the outputs qvctl hands to Ansible must be there"
  }
  assert {
    condition     = output.internal_dns == null && length(module.internal_dns) == 0
    error_message = "the private zone is cloud only"
  }
  assert {
    condition     = output.audit == null && length(module.audit) == 0 && module.primary.dns_query_log == null
    error_message = "no trail and no DNS query logs locally (nothing there to audit but the emulator)"
  }
}

run "production_is_never_disposable" {
  command = plan
  variables {
    environment   = "prod"
    force_destroy = true
  }
  expect_failures = [output.environment]
}

run "an_environment_needs_a_spec_file" {
  command = plan
  variables {
    environment = "qa"
  }
  expect_failures = [var.environment]
}
