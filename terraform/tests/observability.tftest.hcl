# Offline: OpenSearch encrypted, in the VPC, with fine-grained access control and audit logs.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                         = "quantumvest-prod-primary"
  environment                  = "prod"
  account_id                   = "333333333333"
  opensearch_domain_name       = "quantumvest-prod-logs"
  host                         = { instance_type = "m6i.large", volume_gb = 200 }
  subnet_ids                   = ["subnet-a", "subnet-b", "subnet-c"]
  host_security_group_id       = "sg-obs"
  opensearch_security_group_id = "sg-os"
  data_kms_key_arn             = "arn:aws:kms:eu-west-1:333333333333:key/data"
  logs_kms_key_arn             = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  monitored_instances          = { "quantumvest-prod-primary-db1" = "i-0123456789abcdef0" }
}

run "opensearch_is_private_encrypted_and_access_controlled" {
  command = apply
  module {
    source = "./modules/observability"
  }

  assert {
    condition     = aws_opensearch_domain.logs[0].encrypt_at_rest[0].enabled && aws_opensearch_domain.logs[0].encrypt_at_rest[0].kms_key_id == var.data_kms_key_arn
    error_message = "OpenSearch must be encrypted at rest with the data CMK"
  }
  assert {
    condition = length(aws_cloudwatch_log_group.opensearch) == 4 && length(aws_cloudwatch_log_group.platform) == 3 && alltrue([
      for g in concat(values(aws_cloudwatch_log_group.opensearch), values(aws_cloudwatch_log_group.platform)) : g.kms_key_id == var.logs_kms_key_arn
    ])
    error_message = "encryption-at-rest/customer-managed-key: every log group (OpenSearch's and the platform's) must be encrypted with the logs CMK"
  }
  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == var.logs_kms_key_arn
    error_message = "encryption-at-rest/customer-managed-key: the alarm topic must be encrypted with the logs CMK"
  }
  assert {
    condition     = module.host.root_volumes == [{ encrypted = true, kms_key_id = var.data_kms_key_arn }]
    error_message = "encryption-at-rest/customer-managed-key: the observability host's volume must be encrypted with the data CMK"
  }
  assert {
    condition     = aws_opensearch_domain.logs[0].node_to_node_encryption[0].enabled && aws_opensearch_domain.logs[0].domain_endpoint_options[0].enforce_https
    error_message = "OpenSearch must use TLS between nodes and for clients"
  }
  assert {
    condition     = length(aws_opensearch_domain.logs[0].vpc_options[0].subnet_ids) == 3
    error_message = "OpenSearch must live in the VPC, across three zones"
  }
  assert {
    condition     = aws_opensearch_domain.logs[0].advanced_security_options[0].enabled && !aws_opensearch_domain.logs[0].advanced_security_options[0].internal_user_database_enabled
    error_message = "fine-grained access control with IAM principals (no internal passwords)"
  }
  assert {
    condition     = contains([for o in aws_opensearch_domain.logs[0].log_publishing_options : o.log_type], "AUDIT_LOGS")
    error_message = "audit logs must be published"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.status_check) == 2 && contains(keys(aws_cloudwatch_metric_alarm.status_check), "quantumvest-prod-primary-obs1")
    error_message = "status alarms for every monitored host and the observability host"
  }
  assert {
    condition     = module.host.instance_tags[0]["qv:role"] == "observability" && module.host.hostnames == tolist(["quantumvest-prod-primary-obs1"])
    error_message = "the observability host carries its inventory tag"
  }
}

run "the_host_reads_only_the_secrets_it_is_given" {
  command = plan
  module {
    source = "./modules/observability"
  }
  variables {
    readable_secret_arns = ["arn:aws:secretsmanager:*:333333333333:secret:quantumvest/prod/grafana/admin-*"]
    secrets_kms_key_arns = ["arn:aws:kms:eu-west-1:333333333333:key/secrets"]
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.host.statement : s.resources if s.sid == "ReadAlertingSecrets"] == [toset(var.readable_secret_arns)]
    error_message = "the observability host reads exactly the secrets it is given"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.host.statement : s.resources if s.sid == "DecryptSecrets"] == [toset(var.secrets_kms_key_arns)]
    error_message = "and decrypts with exactly the secrets' keys"
  }
}

run "no_secret_statement_without_secrets" {
  command = plan
  module {
    source = "./modules/observability"
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.host.statement : s if contains(["ReadAlertingSecrets", "DecryptSecrets"], s.sid)]) == 0
    error_message = "no secret access unless secrets are named"
  }
}
