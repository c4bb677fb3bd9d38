# The QuantumVest platform in two regions: modules/region builds one region's slice and
# is called once per region. The local environment (kind: local) applies the slice the
# one-machine platform uses: primary network, KMS keys in both regions, the buckets with
# DR replication, and the generated secrets. Cloud environments add the DR network, EKS,
# database hosts and cache in both regions, observability and the edge (cloud.tf).

module "primary" {
  source = "./modules/region"

  name                     = "${local.name}-primary"
  region_role              = "primary"
  environment              = local.spec.name
  account_id               = local.spec.account_id
  cloud                    = local.is_cloud
  network                  = local.spec.network.primary
  app_port                 = local.spec.application.port
  key_deletion_window_days = var.kms_deletion_window_days
  log_retention_days       = var.log_retention_days
  kubernetes               = local.spec.kubernetes
  eks_addons_enabled       = var.eks_addons_enabled
  # IAM is global: the primary cluster creates the roles; the DR cluster's service accounts may assume them.
  irsa_role_name_prefix = "${local.name}-irsa-"
  irsa = local.is_cloud ? {
    additional_oidc_providers = [module.dr.eks_oidc_provider]
    service_accounts          = local.service_accounts
  } : null
  database_hosts      = local.host_groups["database"]
  database_access     = local.database_access
  host_ami            = var.host_ami
  detailed_monitoring = var.ec2_detailed_monitoring
  cache               = { enabled = local.cache_primary, node_type = local.spec.cache.node_type, replicas = local.spec.cache.replicas, app_user = local.cache_app_user }
  tags                = local.tags

  # Audit (cloud.tf): each VPC logs its DNS queries; the trail encrypts its log files with this region's logs key.
  dns_query_logging_enabled = var.dns_query_logging_enabled
  audit_trail_arns          = local.is_cloud ? [local.audit_trail_arn] : []
}

module "dr" {
  source    = "./modules/region"
  providers = { aws = aws.dr }

  name                     = "${local.name}-dr"
  region_role              = "dr"
  environment              = local.spec.name
  account_id               = local.spec.account_id
  cloud                    = local.is_cloud
  network                  = local.is_cloud ? local.spec.network.dr : null
  app_port                 = local.spec.application.port
  key_deletion_window_days = var.kms_deletion_window_days
  log_retention_days       = var.log_retention_days
  kubernetes               = local.spec.kubernetes
  eks_addons_enabled       = var.eks_addons_enabled
  database_hosts           = local.host_groups["database_dr"]
  database_access          = local.database_access
  host_ami                 = var.host_ami
  detailed_monitoring      = var.ec2_detailed_monitoring
  cache                    = { enabled = local.cache_dr, node_type = local.spec.cache.node_type, replicas = local.spec.cache.replicas, app_user = local.cache_app_user }
  tags                     = local.tags

  dns_query_logging_enabled = var.dns_query_logging_enabled
}

module "storage" {
  source    = "./modules/storage"
  providers = { aws = aws, aws.dr = aws.dr }

  name            = local.name
  account_id      = local.spec.account_id
  kms_key_arns    = module.primary.kms_key_arns
  dr_kms_key_arns = module.dr.kms_key_arns
  buckets = {
    # pgBackRest expires its own backups; S3 only bounds the versions it leaves behind.
    backup    = { kms_class = "backup", noncurrent_version_expiration_days = local.spec.backup.retention_days }
    logs      = { kms_class = "logs", noncurrent_version_expiration_days = 30, current_version_expiration_days = 365, transition_to_ia_days = 30 }
    artifacts = { kms_class = "data", noncurrent_version_expiration_days = 90 }
  }
  replication_enabled = var.s3_replication_enabled
  lifecycle_enabled   = var.s3_lifecycle_enabled
  tls_only            = var.s3_tls_only
  force_destroy       = var.force_destroy
  tags                = local.tags
}

module "secrets" {
  source    = "./modules/secrets"
  providers = { aws = aws, aws.generator = aws.secrets_generator }

  project              = local.spec.project
  environment          = local.spec.name
  kms_key_arn          = module.primary.kms_key_arns["secrets"]
  dr_region            = var.secret_replicas_enabled ? local.spec.regions.dr : null
  dr_kms_key_arn       = module.dr.kms_key_arns["secrets"]
  recovery_window_days = var.secret_recovery_window_days
  value_version        = var.secret_value_version
  generate_values      = var.generate_secret_values
  ca_certificate_pem   = var.environment_ca_certificate_file == null ? null : file(var.environment_ca_certificate_file)
  ca_required          = local.is_cloud
  cache_url_published  = local.cache_primary
  # 6379: the port modules/cache gives the replication group.
  cache_url = local.cache_primary ? "rediss://${module.primary.cache_primary_endpoint}:6379/0" : null
  # Fluent Bit on EKS connects to the domain by this name, which its certificate carries.
  logs_endpoint_published = local.logs_endpoint_published
  logs_endpoint           = one(module.observability[*].opensearch_endpoint)
  tags                    = local.tags
}
