# Consumed by `qvctl up`, which hands them to Ansible as tf_<name> variables.

output "environment" {
  description = "Environment name."
  value       = local.spec.name
}

output "primary_region" {
  description = "Primary AWS region."
  value       = local.spec.regions.primary
}

output "dr_region" {
  description = "Disaster-recovery AWS region."
  value       = local.spec.regions.dr
}

output "backup_bucket" {
  description = "Name of the pgBackRest repository bucket (primary region)."
  value       = module.storage.bucket_names["backup"]
}

output "kms_key_arns" {
  description = "Primary-region KMS key ARN per data class: data, backup, secrets, logs."
  value       = module.security.kms_key_arns
}

output "secret_names" {
  description = "Secrets Manager name per credential: database_superuser, database_replication, database_app, redis_auth."
  value       = module.secrets.secret_names
}

output "vpc_id" {
  description = "Primary VPC ID."
  value       = module.network.vpc_id
}
