output "backend" {
  description = "What env/<environment>.tfbackend must say."
  value = {
    bucket     = module.state.bucket
    region     = local.spec.regions.primary
    kms_key_id = module.state.kms_key_arn
    key        = "${local.spec.name}/terraform.tfstate"
  }
}

output "github_roles" {
  description = "The GitHub variables of this environment (docs/pipeline.md), when github_repository is set."
  value = length(module.ci_oidc) == 0 ? null : {
    "AWS_PLAN_ROLE_ARN_${upper(local.spec.name)}" = module.ci_oidc[0].role_arns.plan
    AWS_APPLY_ROLE_ARN                            = module.ci_oidc[0].role_arns.apply
    AWS_RELEASE_ROLE_ARN                          = module.ci_oidc[0].role_arns.release
    EKS_CLUSTER_NAME                              = "${local.spec.project}-${local.spec.name}-primary"
  }
}
