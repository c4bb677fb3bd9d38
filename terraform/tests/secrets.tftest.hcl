# Offline: the contract's secret names, KMS encryption and DR replicas. Mock providers
# cannot run ephemeral resources, so value generation (write-only, never in state) is
# tested against the emulator instead (tests/integration/test_terraform_emulator.py).
mock_provider "aws" {
  source = "./tests/mocks"
}

# A real provider for the generator, configured offline and never called (generate_values = false).
provider "aws" {
  alias                       = "generator"
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variables {
  project     = "quantumvest"
  environment = "dev"
  kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/secrets"
  # The ephemeral password resource cannot be mocked.
  generate_values    = false
  ca_certificate_pem = file("tests/fixtures/environment-ca.crt")
}

run "contract_names_and_cmk" {
  command = apply
  module {
    source = "./modules/secrets"
  }

  assert {
    condition = output.secret_names == {
      database_superuser   = "quantumvest/dev/database/superuser"
      database_replication = "quantumvest/dev/database/replication"
      database_app         = "quantumvest/dev/database/app"
      database_owner       = "quantumvest/dev/database/owner"
      database_rest_api    = "quantumvest/dev/database/patroni-api"
      redis_auth           = "quantumvest/dev/redis/auth"
      grafana_admin        = "quantumvest/dev/grafana/admin"
      backup_cipher        = "quantumvest/dev/backup/cipher"
    }
    error_message = "secret names must follow <project>/<env>/<purpose>"
  }
  assert {
    condition = alltrue([
      for s in concat(values(aws_secretsmanager_secret.this), values(aws_secretsmanager_secret.published)) :
      s.kms_key_id == var.kms_key_arn
    ])
    error_message = "encryption-at-rest/customer-managed-key: every secret (credentials, the CA, the cache URL, the log store's endpoint) must be encrypted with the secrets CMK"
  }
  assert {
    condition     = toset(keys(aws_secretsmanager_secret.published)) == toset(["environment_ca", "cache_url", "logs_endpoint"])
    error_message = "the published values are the CA, the cache URL and the log store's endpoint"
  }
  assert {
    condition     = length(aws_secretsmanager_secret_version.this) == 0
    error_message = "with generate_values = false no value may be written"
  }
}

run "replicas_follow_the_dr_region" {
  command = apply
  module {
    source = "./modules/secrets"
  }
  variables {
    dr_region      = "eu-central-1"
    dr_kms_key_arn = "arn:aws:kms:eu-central-1:111111111111:key/secrets"
  }

  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.this : one(s.replica).region == "eu-central-1"])
    error_message = "every secret must have a replica in the DR region"
  }
  assert {
    condition = alltrue([
      for s in concat(values(aws_secretsmanager_secret.this), values(aws_secretsmanager_secret.published)) :
      length(s.replica) == 1 && one(s.replica).kms_key_id == var.dr_kms_key_arn
    ])
    error_message = "encryption-at-rest/customer-managed-key: every secret's DR replica must be encrypted with the DR region's secrets CMK"
  }
}

run "publishes_the_environment_ca_for_the_pods" {
  command = apply
  module {
    source = "./modules/secrets"
  }

  assert {
    condition     = output.ca_secret_name == "quantumvest/dev/pki/ca" && aws_secretsmanager_secret.published["environment_ca"].kms_key_id == var.kms_key_arn
    error_message = "the CA certificate is published as <project>/<env>/pki/ca, encrypted like the others"
  }
  assert {
    condition     = jsondecode(aws_secretsmanager_secret_version.published["environment_ca"].secret_string).certificate == var.ca_certificate_pem
    error_message = "the secret holds the certificate under the property External Secrets reads (certificate)"
  }
  assert {
    condition     = !contains(keys(output.secret_names), "environment_ca")
    error_message = "the CA certificate is no generated credential: Ansible's credential loop must not see it"
  }
}

run "rejects_a_private_key_as_the_ca_certificate" {
  command = plan
  module {
    source = "./modules/secrets"
  }
  variables {
    # A key's PEM armour, assembled here so that no file of the repository holds a key header.
    ca_certificate_pem = format("-----BEGIN %[1]s-----\nnot-a-real-key\n-----END %[1]s-----\n", join(" ", ["PRIVATE", "KEY"]))
  }
  expect_failures = [var.ca_certificate_pem]
}

run "publishes_the_cache_url_under_its_endpoint_name" {
  command = apply
  module {
    source = "./modules/secrets"
  }
  variables {
    cache_url_published = true
    cache_url           = "rediss://master.quantumvest-dev-primary.abc123.euw1.cache.amazonaws.com:6379/0"
  }

  assert {
    condition     = output.cache_url_secret_name == "quantumvest/dev/cache/endpoint" && jsondecode(aws_secretsmanager_secret_version.published["cache_url"].secret_string).url == var.cache_url
    error_message = "the cache's URL is published as <project>/<env>/cache/endpoint under the property External Secrets reads (url)"
  }
}

run "publishes_the_log_store_under_its_endpoint_name" {
  command = apply
  module {
    source = "./modules/secrets"
  }
  variables {
    logs_endpoint_published = true
    logs_endpoint           = "vpc-quantumvest-dev-logs-abc123.eu-west-1.es.amazonaws.com"
    dr_region               = "eu-central-1"
    dr_kms_key_arn          = "arn:aws:kms:eu-central-1:111111111111:key/secrets"
  }

  assert {
    condition     = output.logs_endpoint_secret_name == "quantumvest/dev/logs/endpoint"
    error_message = "the OpenSearch endpoint is published as <project>/<env>/logs/endpoint"
  }
  assert {
    condition     = jsondecode(aws_secretsmanager_secret_version.published["logs_endpoint"].secret_string) == { host = var.logs_endpoint }
    error_message = "the secret holds the endpoint name under the property External Secrets reads (host), and nothing else"
  }
  assert {
    condition = (aws_secretsmanager_secret.published["logs_endpoint"].kms_key_id == var.kms_key_arn
    && one(aws_secretsmanager_secret.published["logs_endpoint"].replica).kms_key_id == var.dr_kms_key_arn)
    error_message = "encryption-at-rest/customer-managed-key: the endpoint's secret and its DR replica use the secrets CMKs"
  }
  assert {
    condition     = !contains(keys(output.secret_names), "logs_endpoint")
    error_message = "an endpoint name is no generated credential: Ansible's credential loop must not see it"
  }
}

# Without a domain (opensearch_enabled = false, as on the emulator) the secret exists but stays
# empty: no version with a null host is written.
run "writes_no_log_store_endpoint_without_a_domain" {
  command = apply
  module {
    source = "./modules/secrets"
  }

  assert {
    condition     = !contains(keys(aws_secretsmanager_secret_version.published), "logs_endpoint") && contains(keys(aws_secretsmanager_secret.published), "logs_endpoint")
    error_message = "without a domain nothing is written to <project>/<env>/logs/endpoint"
  }
  assert {
    condition     = toset(keys(aws_secretsmanager_secret_version.published)) == toset(["environment_ca"])
    error_message = "only the values that exist are written (here the CA alone)"
  }
}

run "rejects_a_log_store_endpoint_that_is_not_a_bare_host_name" {
  command = plan
  module {
    source = "./modules/secrets"
  }
  variables {
    logs_endpoint_published = true
    logs_endpoint           = "https://vpc-quantumvest-dev-logs-abc123.eu-west-1.es.amazonaws.com/"
  }
  expect_failures = [var.logs_endpoint]
}

run "rejects_a_cache_url_with_credentials" {
  command = plan
  module {
    source = "./modules/secrets"
  }
  variables {
    cache_url_published = true
    cache_url           = "rediss://api:not-a-real-token@master.example.cache.amazonaws.com:6379/0" # checkov:skip=CKV_SECRET_4: made up, and rejected
  }
  expect_failures = [var.cache_url]
}

# A cloud environment's pods read the CA: applying without it is called out. The local platform
# (ca_required = false) has no pods, so its plans stay quiet and equal to a plan by hand.
run "a_cloud_environment_without_its_ca_is_warned" {
  command = plan
  module {
    source = "./modules/secrets"
  }
  variables {
    ca_certificate_pem = null
  }
  expect_failures = [check.environment_ca_published]
}
