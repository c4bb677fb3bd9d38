# Observability: the host Ansible turns into Prometheus/Alertmanager/Grafana, an
# OpenSearch domain for logs (in the VPC, encrypted, fine-grained access control), the
# CloudWatch log groups, and alarms that page through an encrypted SNS topic.

data "aws_region" "current" {}

locals {
  region      = data.aws_region.current.name
  domain_name = var.opensearch_domain_name
  domain_arn  = "arn:aws:es:${local.region}:${var.account_id}:domain/${local.domain_name}"
  os_log_types = {
    AUDIT_LOGS          = "audit"
    ES_APPLICATION_LOGS = "application"
    INDEX_SLOW_LOGS     = "index-slow"
    SEARCH_SLOW_LOGS    = "search-slow"
  }
}

# --- The observability host (modules/host: IMDSv2 only, no public IP, encrypted, SSM) ---

data "aws_iam_policy_document" "host" {
  # checkov:skip=CKV_AWS_356:ec2:DescribeInstances (Prometheus EC2 discovery) and cloudwatch:GetMetricData/ListMetrics (Grafana) support no resource-level permissions; AWS requires "*" for them.
  # checkov:skip=CKV_AWS_111:Same statement: read-only Describe/Get/List actions without resource-level support.
  statement {
    sid = "DiscoverAndReadMetrics"
    actions = [
      "ec2:DescribeInstances",
      "cloudwatch:GetMetricData",
      "cloudwatch:ListMetrics",
    ]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = length(var.readable_secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadAlertingSecrets"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = var.readable_secret_arns
    }
  }
  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptSecrets"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns
    }
  }
  statement {
    sid       = "ShipHostLogs"
    actions   = ["es:ESHttpPost", "es:ESHttpPut"]
    resources = ["${local.domain_arn}/*"]
  }
}

module "host" {
  source = "../host"

  name                = "${var.name}-observability"
  hostnames           = ["${var.name}-obs1"]
  instance_type       = var.host.instance_type
  volume_gb           = var.host.volume_gb
  subnet_ids          = [var.subnet_ids[0]]
  security_group_id   = var.host_security_group_id
  kms_key_arn         = var.data_kms_key_arn
  ami                 = var.ami
  detailed_monitoring = var.detailed_monitoring
  policy_name         = "discovery-and-logs"
  policy_json         = data.aws_iam_policy_document.host.json
  instance_tags = {
    "qv:role"        = "observability"
    "qv:environment" = var.environment
    "qv:region-role" = "primary"
  }
  tags = var.tags
}

# The host's resources lived in this module before the host module existed.
moved {
  from = aws_iam_role.host
  to   = module.host.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.host_ssm
  to   = module.host.aws_iam_role_policy_attachment.ssm
}

moved {
  from = aws_iam_role_policy.host
  to   = module.host.aws_iam_role_policy.this
}

moved {
  from = aws_iam_instance_profile.host
  to   = module.host.aws_iam_instance_profile.this
}

moved {
  from = aws_instance.host
  to   = module.host.aws_instance.this[0]
}

# --- OpenSearch ------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "opensearch" {
  for_each = local.os_log_types

  name              = "/quantumvest/opensearch/${local.domain_name}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "opensearch_logs" {
  statement {
    actions   = ["logs:PutLogEvents", "logs:CreateLogStream"]
    resources = [for g in aws_cloudwatch_log_group.opensearch : "${g.arn}:*"]
    principals {
      type        = "Service"
      identifiers = ["es.amazonaws.com"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "opensearch" {
  policy_name     = "${local.domain_name}-opensearch-logs"
  policy_document = data.aws_iam_policy_document.opensearch_logs.json
}

# Fine-grained access control maps IAM roles to OpenSearch roles; this role administers it.
data "aws_iam_policy_document" "opensearch_admin_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role" "opensearch_admin" {
  name               = "${var.name}-opensearch-admin"
  assume_role_policy = data.aws_iam_policy_document.opensearch_admin_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "opensearch_access" {
  statement {
    actions   = ["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpHead"]
    resources = ["${local.domain_arn}/*"]
    principals {
      type        = "AWS"
      identifiers = concat([aws_iam_role.opensearch_admin.arn, module.host.role_arn], var.log_writer_role_arns)
    }
  }
}

resource "aws_opensearch_domain" "logs" {
  count = var.opensearch_enabled ? 1 : 0

  domain_name    = local.domain_name
  engine_version = var.opensearch.engine_version

  cluster_config {
    instance_type            = var.opensearch.instance_type
    instance_count           = var.opensearch.instance_count
    zone_awareness_enabled   = true
    dedicated_master_enabled = true
    dedicated_master_type    = var.opensearch.master_instance_type
    dedicated_master_count   = 3

    zone_awareness_config {
      availability_zone_count = min(3, length(var.subnet_ids), var.opensearch.instance_count)
    }
  }

  vpc_options {
    subnet_ids         = slice(var.subnet_ids, 0, min(3, length(var.subnet_ids), var.opensearch.instance_count))
    security_group_ids = [var.opensearch_security_group_id]
  }

  ebs_options {
    ebs_enabled = true
    volume_type = "gp3"
    volume_size = var.opensearch.volume_gb
  }

  encrypt_at_rest {
    enabled    = true
    kms_key_id = var.data_kms_key_arn
  }

  node_to_node_encryption {
    enabled = true
  }

  domain_endpoint_options {
    enforce_https       = true
    tls_security_policy = "Policy-Min-TLS-1-2-PFS-2023-10"
  }

  advanced_security_options {
    enabled                        = true
    internal_user_database_enabled = false
    master_user_options {
      master_user_arn = aws_iam_role.opensearch_admin.arn
    }
  }

  software_update_options {
    auto_software_update_enabled = true
  }

  log_publishing_options {
    log_type                 = "AUDIT_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.opensearch["AUDIT_LOGS"].arn
    enabled                  = true
  }
  log_publishing_options {
    log_type                 = "ES_APPLICATION_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.opensearch["ES_APPLICATION_LOGS"].arn
    enabled                  = true
  }
  log_publishing_options {
    log_type                 = "INDEX_SLOW_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.opensearch["INDEX_SLOW_LOGS"].arn
    enabled                  = true
  }
  log_publishing_options {
    log_type                 = "SEARCH_SLOW_LOGS"
    cloudwatch_log_group_arn = aws_cloudwatch_log_group.opensearch["SEARCH_SLOW_LOGS"].arn
    enabled                  = true
  }

  access_policies = data.aws_iam_policy_document.opensearch_access.json
  tags            = var.tags

  depends_on = [aws_cloudwatch_log_resource_policy.opensearch]
}

# --- Log groups and alarms -------------------------------------------------------------

resource "aws_cloudwatch_log_group" "platform" {
  for_each = toset(["api", "database", "observability"])

  name              = "/quantumvest/${var.environment}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_cloudwatch_metric_alarm" "status_check" {
  for_each = merge(var.monitored_instances, { "${var.name}-obs1" = one(module.host.instance_ids) })

  alarm_name          = "${each.key}-status-check-failed"
  alarm_description   = "EC2 status check failed on ${each.key}"
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed"
  dimensions          = { InstanceId = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "opensearch_red" {
  count = var.opensearch_enabled ? 1 : 0

  alarm_name          = "${local.domain_name}-cluster-red"
  alarm_description   = "OpenSearch cluster status is red: logs are not being indexed"
  namespace           = "AWS/ES"
  metric_name         = "ClusterStatus.red"
  dimensions          = { DomainName = aws_opensearch_domain.logs[0].domain_name, ClientId = var.account_id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}
