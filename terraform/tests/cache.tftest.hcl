# Offline: Multi-AZ Redis with TLS, CMK at rest and the AUTH token from Secrets Manager.
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
  auth_token        = "mock-token-for-tests-only"
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
    condition     = aws_elasticache_replication_group.this.auth_token == var.auth_token
    error_message = "the AUTH token must be the one given (the root reads it from the redis/auth secret)"
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
