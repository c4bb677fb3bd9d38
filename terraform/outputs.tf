# Consumed by `qvctl up`, which hands them to Ansible as tf_<name> variables.

output "environment" {
  description = "Environment name."
  value       = local.spec.name

  precondition {
    condition     = contains(["development", "staging", "production"], coalesce(local.tier, "none"))
    error_message = "The spec's tier must be development, staging or production."
  }
  precondition {
    # A production environment is never disposable, whatever its tfvars say.
    condition     = !local.production || (!var.force_destroy && var.alb_deletion_protection && var.secret_recovery_window_days >= 7 && var.kms_deletion_window_days >= 7 && var.s3_tls_only)
    error_message = "A production environment needs force_destroy = false, alb_deletion_protection = true, s3_tls_only = true and recovery windows of at least 7 days."
  }
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
  value       = module.primary.kms_key_arns
}

output "secret_names" {
  description = "Secrets Manager name per credential: database_superuser, database_replication, database_app, redis_auth."
  value       = module.secrets.secret_names
}

output "ca_secret_name" {
  description = "Secrets Manager name of the environment CA certificate, which External Secrets publishes to the pods."
  value       = module.secrets.ca_secret_name
}

output "vpc_id" {
  description = "Primary VPC ID."
  value       = module.primary.vpc_id
}

output "cloud" {
  description = "Cloud-only endpoints and handles (null for the local environment)."
  value = local.is_cloud ? {
    eks_clusters         = { primary = module.primary.eks_cluster_name, dr = module.dr.eks_cluster_name }
    irsa_role_arns       = module.primary.irsa_role_arns
    database_hosts       = { primary = module.primary.database_hostnames, dr = module.dr.database_hostnames }
    cache_endpoint       = module.primary.cache_primary_endpoint
    opensearch_endpoint  = module.observability[0].opensearch_endpoint
    alb_dns_names        = module.edge[0].alb_dns_names
    zone_name_servers    = module.edge[0].name_servers
    ingress_target_group = module.edge[0].target_group_arns
  } : null
}

output "internal_dns" {
  description = "The private zone both regions' VPCs resolve, and the name of each record in it (postgres, postgres-ro, postgres-dr, redis, logs; those that exist); null locally or when private_dns_enabled is false."
  value = length(module.internal_dns) > 0 ? {
    zone    = module.internal_dns[0].zone_name
    records = module.internal_dns[0].record_names
  } : null
}

output "bucket_encryption" {
  description = "Default encryption of every bucket (algorithm and KMS key), for policy tests."
  value       = module.storage.encryption
}

output "audit" {
  description = "The environment's CloudTrail trail (its bucket, log group and the data buckets it records) and each region's DNS query log; null locally."
  value = local.is_cloud ? {
    trail_arn        = module.audit[0].trail_arn
    bucket           = module.audit[0].bucket_name
    log_group        = module.audit[0].log_group_name
    data_bucket_arns = module.audit[0].data_bucket_arns
    dns_query_logs   = { primary = module.primary.dns_query_log, dr = module.dr.dns_query_log }
  } : null
}
