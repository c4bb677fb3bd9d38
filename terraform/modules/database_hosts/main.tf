# The Patroni + etcd nodes: private data subnets, no public IP, IMDSv2 only, encrypted
# volumes, admin access through SSM only. Their tags are what the Ansible aws_ec2
# inventory groups them by (qv:role, qv:region-role, qv:patroni-cluster).

data "aws_ami" "this" {
  most_recent = true
  owners      = var.ami.owners

  filter {
    name   = "name"
    values = [var.ami.name_pattern]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-database"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

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

resource "aws_iam_role_policy" "this" {
  name   = "pgbackrest-and-secrets"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-database"
  role = aws_iam_role.this.name
  tags = var.tags
}

resource "aws_instance" "this" {
  count = var.host_count

  ami                         = data.aws_ami.this.id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_ids[count.index % length(var.subnet_ids)]
  vpc_security_group_ids      = [var.security_group_id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  monitoring                  = var.detailed_monitoring
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.volume_gb
    encrypted             = true
    kms_key_id            = var.kms_key_arn
    delete_on_termination = true
  }

  tags = merge(var.tags, {
    Name                 = "${var.name}-db${count.index + 1}"
    "qv:role"            = "database"
    "qv:environment"     = var.environment
    "qv:region-role"     = var.region_role
    "qv:patroni-cluster" = var.name
    "qv:patroni-standby" = var.region_role == "dr" ? "true" : "false"
  })
  volume_tags = merge(var.tags, { Name = "${var.name}-db${count.index + 1}" })

  lifecycle {
    # A newer image must not silently replace a database node; nodes are rebuilt one by one on purpose.
    ignore_changes = [ami]
  }
}
