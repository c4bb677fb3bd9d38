output "role_arns" {
  description = "The roles' ARNs by purpose (plan, apply, release): the GitHub variables AWS_PLAN_ROLE_ARN_<ENV>, AWS_APPLY_ROLE_ARN, AWS_RELEASE_ROLE_ARN."
  value       = { for purpose, role in aws_iam_role.this : purpose => role.arn }
}

output "oidc_provider_arn" {
  description = "GitHub's OIDC provider in this account (created here or given)."
  value       = local.provider
}
