# Offline: Multi-AZ Redis with TLS, CMK at rest and IAM authentication (no token in the state).
# (The emulator cannot create ElastiCache replication groups: this and `plan` are its tests.)
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name              = "quantumvest-prod-primary"
  node_type         = "cache.r6g.large"
  replicas          = 2
  subnet_ids        = ["subnet-a", "subnet-b", "subnet-c"]
  security_group_id = "sg-cache"
  kms_key_arn       = "arn:aws:kms:eu-west-1:333333333333:key/data"
  logs_kms_key_arn  = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  app_user_name     = "quantumvest-prod-api"
}

run "multi_az_tls_encrypted" {
  command = apply
  module {
    source = "./modules/cache"
  }

  assert {
    condition     = aws_elasticache_replication_group.this.multi_az_enabled && aws_elasticache_replication_group.this.automatic_failover_enabled
    error_message = "the cache must be Multi-AZ with automatic failover"
  }
  assert {
    condition     = aws_elasticache_replication_group.this.num_cache_clusters == 3
    error_message = "primary plus the spec's replicas"
  }
  assert {
    condition     = aws_elasticache_replication_group.this.transit_encryption_enabled && aws_elasticache_replication_group.this.at_rest_encryption_enabled && aws_elasticache_replication_group.this.kms_key_id == var.kms_key_arn
    error_message = "TLS in transit and CMK at rest are required"
  }
  assert {
    condition     = aws_cloudwatch_log_group.slow_log.kms_key_id == var.logs_kms_key_arn
    error_message = "encryption-at-rest/customer-managed-key: the slow-log group must be encrypted with the logs CMK"
  }
}

run "iam_authentication_and_no_token_in_state" {
  command = apply
  module {
    source = "./modules/cache"
  }

  assert {
    condition     = aws_elasticache_replication_group.this.auth_token == null && aws_elasticache_replication_group.this.user_group_ids == toset([aws_elasticache_user_group.this.user_group_id])
    error_message = "the cache must authenticate through its user group, never an AUTH token (which the provider keeps in the state)"
  }
  assert {
    condition     = aws_elasticache_user.app.authentication_mode[0].type == "iam" && aws_elasticache_user.app.user_id == aws_elasticache_user.app.user_name && aws_elasticache_user.app.passwords == null
    error_message = "the API's user authenticates with IAM (user_id == user_name) and has no password"
  }
  assert {
    condition     = aws_elasticache_user.default.user_name == "default" && startswith(aws_elasticache_user.default.access_string, "off ") && aws_elasticache_user.default.passwords == null
    error_message = "the default user must be switched off and carry no password"
  }
  assert {
    condition     = !strcontains(aws_elasticache_user.app.access_string, "@all") || strcontains(aws_elasticache_user.app.access_string, "-@all")
    error_message = "the API's user gets the commands it runs, not every command"
  }
}

run "rejects_a_single_node_cache" {
  command = plan
  module {
    source = "./modules/cache"
  }
  variables {
    replicas = 0
  }
  expect_failures = [var.replicas]
}
