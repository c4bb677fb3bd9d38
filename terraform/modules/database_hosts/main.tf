# The Patroni + etcd nodes: hardened hosts (modules/host) in the private data subnets with
# a least-privilege role. Their tags are what the Ansible aws_ec2 inventory groups them
# by (qv:role, qv:region-role, qv:patroni-cluster, qv:patroni-standby).

# Least privilege: the named backup buckets, their keys, the named secrets.
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ListBackupRepository"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = var.backup_bucket_arns
  }
  statement {
    sid       = "ReadWriteBackupRepository"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for arn in var.backup_bucket_arns : "${arn}/*"]
  }
  statement {
    sid       = "UseBackupKeys"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = var.backup_kms_key_arns
  }
  statement {
    sid       = "ReadDatabaseSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.secret_arns
  }
  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = var.secrets_kms_key_arns
  }
}

module "host" {
  source = "../host"

  name                = "${var.name}-database"
  hostnames           = [for i in range(var.host_count) : "${var.name}-db${i + 1}"]
  instance_type       = var.instance_type
  volume_gb           = var.volume_gb
  subnet_ids          = var.subnet_ids
  security_group_id   = var.security_group_id
  kms_key_arn         = var.kms_key_arn
  ami                 = var.ami
  detailed_monitoring = var.detailed_monitoring
  policy_name         = "pgbackrest-and-secrets"
  policy_json         = data.aws_iam_policy_document.this.json
  instance_tags = {
    "qv:role"            = "database"
    "qv:environment"     = var.environment
    "qv:region-role"     = var.region_role
    "qv:patroni-cluster" = var.name
    "qv:patroni-standby" = var.region_role == "dr" ? "true" : "false"
  }
  tags = var.tags
}

# The resources lived in this module before the host module existed; existing state moves.
moved {
  from = aws_iam_role.this
  to   = module.host.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy_attachment.ssm
  to   = module.host.aws_iam_role_policy_attachment.ssm
}

moved {
  from = aws_iam_role_policy.this
  to   = module.host.aws_iam_role_policy.this
}

moved {
  from = aws_iam_instance_profile.this
  to   = module.host.aws_iam_instance_profile.this
}

moved {
  from = aws_instance.this
  to   = module.host.aws_instance.this
}
