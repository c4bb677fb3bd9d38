# Bootstrap: the Terraform state bucket (and its KMS key) of one environment.
#   cd terraform/bootstrap && terraform init && terraform apply -var environment=dev
# then the root module's env/<env>.tfbackend points at the bucket this prints.

locals {
  spec     = yamldecode(file("${path.module}/../../environments/${var.environment}.yaml"))
  emulated = var.aws_endpoint_url != null
}

provider "aws" {
  region              = local.spec.regions.primary
  allowed_account_ids = local.emulated ? null : [local.spec.account_id]

  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
  s3_use_path_style           = local.emulated
  # Few retries: an API moto lacks fails fast, yet the odd malformed answer moto gives under
  # concurrent load (seen: KMS ListResourceTags) is retried instead of failing the run.
  max_retries = local.emulated ? 4 : null

  dynamic "endpoints" {
    for_each = local.emulated ? [var.aws_endpoint_url] : []
    content {
      iam = endpoints.value
      kms = endpoints.value
      s3  = endpoints.value
      sts = endpoints.value
    }
  }

  default_tags {
    tags = { Project = local.spec.project, Environment = local.spec.name, ManagedBy = "terraform-bootstrap" }
  }
}

module "state" {
  source = "../modules/state"

  name = "${local.spec.project}-${local.spec.name}"
  # The local environment's bucket name is fixed (qvctl creates it); cloud names carry the account.
  account_id        = local.spec.kind == "local" ? null : local.spec.account_id
  lifecycle_enabled = !local.emulated
  force_destroy     = local.spec.kind == "local"
}

# GitHub Actions' roles for this environment (docs/pipeline.md): next to the state bucket because
# the plan role reads it, and because whoever bootstraps an account is the one who may grant CI.
module "ci_oidc" {
  source = "../modules/ci_oidc"
  count  = var.github_repository != null && local.spec.kind == "cloud" ? 1 : 0

  name               = "${local.spec.project}-${local.spec.name}"
  github_repository  = var.github_repository
  github_environment = local.spec.name
  oidc_provider_arn  = var.github_oidc_provider_arn
  state_bucket_arn   = "arn:aws:s3:::${module.state.bucket}"
  state_kms_key_arn  = module.state.kms_key_arn
  eks_cluster_arns   = ["arn:aws:eks:${local.spec.regions.primary}:${local.spec.account_id}:cluster/${local.spec.project}-${local.spec.name}-primary"]
}
