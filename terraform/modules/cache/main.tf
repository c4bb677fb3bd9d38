# ElastiCache Redis: Multi-AZ with automatic failover (at least one replica), TLS in
# transit, KMS at rest. It only holds rebuildable data.
#
# Clients authenticate with IAM (RBAC user group), not an AUTH token: the provider has no
# write-only auth_token, so a token would sit in the state. The API's user signs a short-lived
# token with its IRSA role (elasticache:Connect); the mandatory `default` user is switched off.

resource "aws_elasticache_user" "default" {
  user_id       = "${var.name}-default"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"
  # A user that is off cannot log in at all; no password exists to store or leak.
  authentication_mode {
    type = "no-password-required"
  }
  tags = var.tags
}

resource "aws_elasticache_user" "app" {
  # IAM authentication requires user_id == user_name.
  user_id       = var.app_user_name
  user_name     = var.app_user_name
  engine        = "redis"
  access_string = var.app_access_string
  authentication_mode {
    type = "iam"
  }
  tags = var.tags
}

resource "aws_elasticache_user_group" "this" {
  user_group_id = var.name
  engine        = "redis"
  user_ids      = [aws_elasticache_user.default.user_id, aws_elasticache_user.app.user_id]
  tags          = var.tags
}

resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = "/quantumvest/elasticache/${var.name}/slow-log"
  retention_in_days = 365
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = var.name
  description          = "QuantumVest cache ${var.name} (rebuildable data only)"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  port                 = 6379
  parameter_group_name = "default.redis7"

  num_cache_clusters         = 1 + var.replicas
  automatic_failover_enabled = true
  multi_az_enabled           = true

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [var.security_group_id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  user_group_ids             = [aws_elasticache_user_group.this.user_group_id]

  snapshot_retention_limit   = var.snapshot_retention_days
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = var.tags
}
