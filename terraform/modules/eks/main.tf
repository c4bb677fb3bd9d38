# EKS with a private API endpoint only, KMS envelope encryption of secrets, every
# control-plane log type, managed node groups, and IAM roles for service accounts.

locals {
  log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
}

data "aws_iam_policy_document" "cluster_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${var.name}-eks-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

# The log group exists before the cluster so it gets our KMS key and retention.
resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

resource "aws_eks_cluster" "this" {
  name                      = var.name
  version                   = var.kubernetes_version
  role_arn                  = aws_iam_role.cluster.arn
  enabled_cluster_log_types = local.log_types

  vpc_config {
    subnet_ids              = var.subnet_ids
    security_group_ids      = [var.node_security_group_id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = var.secrets_kms_key_arn
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy_attachment.cluster, aws_cloudwatch_log_group.cluster]
}

# --- Nodes -----------------------------------------------------------------------------

data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${var.name}-eks-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore", # admin access through Session Manager, never SSH
  ])

  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/${each.value}"
}

# Nodes answer instance metadata only with a session token (IMDSv2) and only one hop away:
# a pod (one hop further, behind the node's network namespace) cannot take the node role's
# credentials, so pods get AWS access through their own IRSA role only.
resource "aws_launch_template" "node" {
  name_prefix = "${var.name}-node-"
  description = "EKS nodes of ${var.name}: IMDSv2 only, hop limit 1, volumes on our key"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  # The root volume of the EKS-optimised AMIs, encrypted with the data key rather than the
  # account's default (which may be AWS-managed, or off).
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted             = true
      kms_key_id            = var.volumes_kms_key_arn
      volume_type           = "gp3"
      volume_size           = 50
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = var.tags
  }

  tags = var.tags
}

resource "aws_eks_node_group" "this" {
  for_each = { for g in var.node_groups : g.name => g }

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = each.value.instance_types

  scaling_config {
    min_size     = each.value.min_size
    desired_size = each.value.desired_size
    max_size     = each.value.max_size
  }

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  update_config {
    max_unavailable = 1
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  depends_on = [aws_iam_role_policy_attachment.node]

  lifecycle {
    # The cluster autoscaler owns the current size.
    ignore_changes = [scaling_config[0].desired_size]
  }
}

# --- Add-ons ---------------------------------------------------------------------------

# The VPC CNI enforces the rendered NetworkPolicies itself (its network policy agent): without
# enableNetworkPolicy the policies are accepted by the API server and enforced by nothing.
resource "aws_eks_addon" "vpc_cni" {
  count = var.addons_enabled ? 1 : 0

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "vpc-cni"
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  configuration_values        = jsonencode({ enableNetworkPolicy = "true" })
  tags                        = var.tags
}

# --- IAM roles for service accounts ----------------------------------------------------

resource "aws_iam_openid_connect_provider" "this" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

locals {
  own_provider = {
    arn         = aws_iam_openid_connect_provider.this.arn
    issuer_host = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
  }
  trusted_providers = concat([local.own_provider], var.additional_oidc_providers)
  irsa              = var.create_irsa_roles ? var.service_accounts : {}
  # A role without statements gets no policy at all (an empty policy document is invalid).
  irsa_with_policy = { for k, v in local.irsa : k => v if length(v.statements) > 0 }
}

# Each role trusts exactly one service account, through every cluster's OIDC provider. The
# document is built with jsonencode rather than aws_iam_policy_document so the role itself
# carries it even under `terraform test`'s mock provider (a mocked data source returns a
# placeholder), and the tests can read the sub and aud conditions the role really trusts.
locals {
  irsa_trust = {
    for name, account in local.irsa : name => jsonencode({
      Version = "2012-10-17"
      Statement = [
        for oidc in local.trusted_providers : {
          Effect    = "Allow"
          Action    = "sts:AssumeRoleWithWebIdentity"
          Principal = { Federated = oidc.arn }
          Condition = {
            StringEquals = {
              "${oidc.issuer_host}:sub" = "system:serviceaccount:${account.namespace}:${name}"
              "${oidc.issuer_host}:aud" = "sts.amazonaws.com"
            }
          }
        }
      ]
    })
  }
}

resource "aws_iam_role" "irsa" {
  for_each = local.irsa

  name               = "${var.irsa_role_name_prefix}${each.key}"
  assume_role_policy = local.irsa_trust[each.key]
  tags               = merge(var.tags, { "qv:service-account" = "${each.value.namespace}/${each.key}" })
}

data "aws_iam_policy_document" "irsa" {
  for_each = local.irsa_with_policy

  dynamic "statement" {
    for_each = each.value.statements
    content {
      sid       = statement.value.sid
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "irsa" {
  for_each = local.irsa_with_policy

  name   = "least-privilege"
  role   = aws_iam_role.irsa[each.key].id
  policy = data.aws_iam_policy_document.irsa[each.key].json
}
