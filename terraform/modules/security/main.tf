# KMS keys per data class, and the security groups of every tier. Security groups only
# ever reference each other; the single CIDR-based ingress from anywhere is HTTPS on the
# load balancer. No rule opens SSH: administrators use SSM Session Manager.

data "aws_region" "current" {}

locals {
  # One customer-managed key per data class, so access to one class never implies another.
  key_classes = {
    data    = "Database and EKS node volumes, cache and OpenSearch at rest"
    backup  = "pgBackRest repository and replicated backups"
    secrets = "Secrets Manager secrets and EKS envelope encryption"
    logs    = "CloudWatch log groups, flow logs and the log bucket"
  }
  root_principal = "arn:aws:iam::${var.account_id}:root"
  # Auto Scaling's service-linked role: it launches the EKS managed node groups' instances.
  autoscaling_role = "arn:aws:iam::${var.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
}

data "aws_iam_policy_document" "key" {
  for_each = local.key_classes

  # checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the account root must administer it or the key becomes unmanageable.
  # checkov:skip=CKV_AWS_111:Same: key policies always name "*" as resource, scoped to the key itself.
  # checkov:skip=CKV_AWS_356:Same: "*" in a key policy is the key the policy is attached to.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = [local.root_principal]
    }
  }

  dynamic "statement" {
    for_each = each.key == "logs" ? [1] : []
    content {
      sid = "CloudWatchLogsEncrypts"
      actions = [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*",
      ]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
      }
      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:aws:logs:${data.aws_region.current.name}:${var.account_id}:log-group:*"]
      }
    }
  }

  # CloudTrail encrypts the named trails' log files with the logs key (modules/audit), and
  # only for those trails: aws:SourceArn names each one.
  dynamic "statement" {
    for_each = each.key == "logs" && length(var.cloudtrail_arns) > 0 ? [1] : []
    content {
      sid       = "CloudTrailEncryptsLogFiles"
      actions   = ["kms:GenerateDataKey*"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = var.cloudtrail_arns
      }
      condition {
        test     = "StringLike"
        variable = "kms:EncryptionContext:aws:cloudtrail:arn"
        values   = ["arn:aws:cloudtrail:*:${var.account_id}:trail/*"]
      }
    }
  }

  dynamic "statement" {
    for_each = each.key == "logs" && length(var.cloudtrail_arns) > 0 ? [1] : []
    content {
      sid       = "CloudTrailDescribesKey"
      actions   = ["kms:DescribeKey"]
      resources = ["*"]
      principals {
        type        = "Service"
        identifiers = ["cloudtrail.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceArn"
        values   = var.cloudtrail_arns
      }
    }
  }

  # EKS managed node groups launch through Auto Scaling: its service-linked role must be able to
  # use the data key for the nodes' volumes, or no node ever starts.
  dynamic "statement" {
    for_each = each.key == "data" ? [1] : []
    content {
      sid       = "AutoScalingUsesForNodeVolumes"
      actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [local.autoscaling_role]
      }
    }
  }

  dynamic "statement" {
    for_each = each.key == "data" ? [1] : []
    content {
      sid       = "AutoScalingGrantsForNodeVolumes"
      actions   = ["kms:CreateGrant"]
      resources = ["*"]
      principals {
        type        = "AWS"
        identifiers = [local.autoscaling_role]
      }
      condition {
        test     = "Bool"
        variable = "kms:GrantIsForAWSResource"
        values   = ["true"]
      }
    }
  }
}

resource "aws_kms_key" "this" {
  for_each = local.key_classes

  description             = "${var.name} ${each.key}: ${each.value}"
  enable_key_rotation     = true
  deletion_window_in_days = var.key_deletion_window_days
  policy                  = data.aws_iam_policy_document.key[each.key].json
  tags                    = merge(var.tags, { Name = "${var.name}-${each.key}", "qv:data-class" = each.key })
}

resource "aws_kms_alias" "this" {
  for_each = local.key_classes

  name          = "alias/${var.name}-${each.key}"
  target_key_id = aws_kms_key.this[each.key].key_id
}

# --- Security groups -------------------------------------------------------------------

locals {
  groups = var.create_security_groups ? {
    alb           = "Application load balancer: HTTPS from the internet"
    app           = "EKS nodes and pods: traffic from the load balancer"
    database      = "Patroni/etcd database hosts"
    cache         = "ElastiCache Redis"
    observability = "Prometheus/Alertmanager/Grafana host"
    opensearch    = "OpenSearch domain"
  } : {}

  p = var.ports

  # Ingress rules: group <- source group on port. The only CIDR rule is alb_https below.
  ingress = var.create_security_groups ? {
    app_from_alb_https       = { group = "app", source = "alb", port = local.p.https, description = "ingress-nginx (TLS) from the ALB" }
    app_from_alb_app         = { group = "app", source = "alb", port = local.p.app, description = "API health checks from the ALB" }
    app_metrics_from_obs     = { group = "app", source = "observability", port = local.p.node_exporter, description = "node exporter scraped by Prometheus" }
    db_pg_from_app           = { group = "database", source = "app", port = local.p.postgres, description = "PostgreSQL from the application" }
    db_pg_from_db            = { group = "database", source = "database", port = local.p.postgres, description = "PostgreSQL replication between Patroni nodes" }
    db_patroni_from_db       = { group = "database", source = "database", port = local.p.patroni, description = "Patroni REST between nodes" }
    db_patroni_from_obs      = { group = "database", source = "observability", port = local.p.patroni, description = "Patroni REST scraped by Prometheus" }
    db_etcd_client_from_db   = { group = "database", source = "database", port = local.p.etcd_client, description = "etcd clients (Patroni)" }
    db_etcd_peer_from_db     = { group = "database", source = "database", port = local.p.etcd_peer, description = "etcd peers" }
    db_node_exp_from_obs     = { group = "database", source = "observability", port = local.p.node_exporter, description = "node exporter scraped by Prometheus" }
    db_pg_exp_from_obs       = { group = "database", source = "observability", port = local.p.pg_exporter, description = "postgres exporter scraped by Prometheus" }
    cache_from_app           = { group = "cache", source = "app", port = local.p.redis, description = "Redis (TLS) from the application" }
    obs_prom_from_app        = { group = "observability", source = "app", port = local.p.prometheus, description = "Prometheus queries from in-cluster analysis (canary)" }
    opensearch_from_app      = { group = "opensearch", source = "app", port = local.p.https, description = "Fluent Bit from EKS" }
    opensearch_from_database = { group = "opensearch", source = "database", port = local.p.https, description = "Log shipper on database hosts" }
    opensearch_from_obs      = { group = "opensearch", source = "observability", port = local.p.https, description = "Log shipper on the observability host" }
  } : {}

  # Egress: to named groups only, plus HTTPS out (AWS APIs through endpoints/NAT, package mirrors).
  egress_to_groups = var.create_security_groups ? {
    alb_to_app_https   = { group = "alb", dest = "app", port = local.p.https, description = "to ingress-nginx" }
    alb_to_app_app     = { group = "alb", dest = "app", port = local.p.app, description = "health checks" }
    app_to_db          = { group = "app", dest = "database", port = local.p.postgres, description = "to PostgreSQL" }
    app_to_cache       = { group = "app", dest = "cache", port = local.p.redis, description = "to Redis" }
    app_to_prom        = { group = "app", dest = "observability", port = local.p.prometheus, description = "to Prometheus" }
    db_to_db_pg        = { group = "database", dest = "database", port = local.p.postgres, description = "replication" }
    db_to_db_patroni   = { group = "database", dest = "database", port = local.p.patroni, description = "Patroni REST" }
    db_to_db_etcd      = { group = "database", dest = "database", port = local.p.etcd_client, description = "etcd clients" }
    db_to_db_etcd_peer = { group = "database", dest = "database", port = local.p.etcd_peer, description = "etcd peers" }
    obs_to_db_node     = { group = "observability", dest = "database", port = local.p.node_exporter, description = "scrape node exporter" }
    obs_to_db_pg       = { group = "observability", dest = "database", port = local.p.pg_exporter, description = "scrape postgres exporter" }
    obs_to_db_patroni  = { group = "observability", dest = "database", port = local.p.patroni, description = "scrape Patroni" }
    obs_to_app_node    = { group = "observability", dest = "app", port = local.p.node_exporter, description = "scrape node exporter" }
    app_to_opensearch  = { group = "app", dest = "opensearch", port = local.p.https, description = "ship logs" }
    db_to_opensearch   = { group = "database", dest = "opensearch", port = local.p.https, description = "ship logs" }
    obs_to_opensearch  = { group = "observability", dest = "opensearch", port = local.p.https, description = "ship logs" }
  } : {}

  https_out = var.create_security_groups ? toset(["app", "database", "observability"]) : toset([])
}

resource "aws_security_group" "this" {
  # checkov:skip=CKV2_AWS_5:The groups are attached by the calling modules (eks nodes, database and observability hosts, ElastiCache, OpenSearch, ALB), which Checkov cannot follow across module outputs.
  for_each = local.groups

  name        = "${var.name}-${each.key}"
  description = each.value
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-${each.key}", "qv:tier" = each.key })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  count = var.create_security_groups ? 1 : 0

  security_group_id = aws_security_group.this["alb"].id
  description       = "HTTPS from the internet: the only public entry point"
  ip_protocol       = "tcp"
  from_port         = local.p.https
  to_port           = local.p.https
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "between_groups" {
  for_each = local.ingress

  security_group_id            = aws_security_group.this[each.value.group].id
  referenced_security_group_id = aws_security_group.this[each.value.source].id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_egress_rule" "between_groups" {
  for_each = local.egress_to_groups

  security_group_id            = aws_security_group.this[each.value.group].id
  referenced_security_group_id = aws_security_group.this[each.value.dest].id
  description                  = each.value.description
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_egress_rule" "https_out" {
  for_each = local.https_out

  security_group_id = aws_security_group.this[each.value].id
  description       = "HTTPS to AWS APIs and package mirrors"
  ip_protocol       = "tcp"
  from_port         = local.p.https
  to_port           = local.p.https
  cidr_ipv4         = "0.0.0.0/0"
}
