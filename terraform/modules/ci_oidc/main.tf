# GitHub Actions' access to one environment's account through OIDC, no stored keys: three roles
# that trust GitHub's token issuer, each only for the token subjects that may use it.
#   plan:    pull requests and main (the scheduled drift check); reads the account and the state
#   apply:   only jobs that ran in the GitHub environment, i.e. passed its required reviewers
#   release: the same jobs; finds the cluster to apply the rendered manifests to

locals {
  issuer   = "token.actions.githubusercontent.com"
  provider = var.oidc_provider_arn != null ? var.oidc_provider_arn : aws_iam_openid_connect_provider.github[0].arn
  repo     = "repo:${var.github_repository}"

  subjects = {
    plan    = ["${local.repo}:pull_request", "${local.repo}:ref:refs/heads/main"]
    apply   = ["${local.repo}:environment:${var.github_environment}"]
    release = ["${local.repo}:environment:${var.github_environment}"]
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.oidc_provider_arn == null ? 1 : 0
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_role" "this" {
  for_each = local.subjects
  name     = "${var.name}-github-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = local.provider }
      Condition = {
        StringEquals = {
          "${local.issuer}:aud" = "sts.amazonaws.com"
          "${local.issuer}:sub" = each.value
        }
      }
    }]
  })
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.this["plan"].name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan_state" {
  name = "terraform-state"
  role = aws_iam_role.this["plan"].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:ListBucket"], Resource = var.state_bucket_arn },
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "${var.state_bucket_arn}/*" },
      # Terraform's S3-native lock: an object <key>.tflock written and deleted around each plan.
      { Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "${var.state_bucket_arn}/*.tflock" },
      { Effect = "Allow", Action = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource = var.state_kms_key_arn },
    ]
  })
}

# The apply role creates and changes everything the root module manages (VPCs, IAM roles, KMS
# keys, EKS): no narrower AWS policy covers that. What guards it is who may assume it: only a job
# of the GitHub environment, after its required reviewers approved.
resource "aws_iam_role_policy_attachment" "apply_administrator" {
  #checkov:skip=CKV_AWS_274: the apply role runs terraform apply of the whole environment; only jobs of the reviewed GitHub environment can assume it
  role       = aws_iam_role.this["apply"].name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role_policy" "release_clusters" {
  count = length(var.eks_cluster_arns) > 0 ? 1 : 0
  name  = "eks-describe"
  role  = aws_iam_role.this["release"].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["eks:DescribeCluster"], Resource = var.eks_cluster_arns }]
  })
}
