# The QuantumVest platform in two regions. The local environment (kind: local) applies
# the slice the one-machine platform uses: primary network, KMS keys in both regions,
# the buckets with DR replication, and the generated secrets. Cloud environments add
# the DR network, EKS, database and observability hosts, cache and edge.

module "security" {
  source = "./modules/security"

  name                     = "${local.name}-primary"
  account_id               = local.spec.account_id
  key_deletion_window_days = var.kms_deletion_window_days
  # Locally nothing runs in the VPC (hosts are loopback addresses), so no security groups.
  create_security_groups = local.is_cloud
  vpc_id                 = module.network.vpc_id
  vpc_cidr               = local.spec.network.primary.vpc_cidr
  ports                  = { app = local.spec.application.port }
  tags                   = local.tags
}

module "security_dr" {
  source    = "./modules/security"
  providers = { aws = aws.dr }

  name                     = "${local.name}-dr"
  account_id               = local.spec.account_id
  key_deletion_window_days = var.kms_deletion_window_days
  create_security_groups   = local.is_cloud
  vpc_id                   = local.is_cloud ? module.network_dr[0].vpc_id : null
  vpc_cidr                 = local.spec.network.dr.vpc_cidr
  ports                    = { app = local.spec.application.port }
  tags                     = local.tags
}

module "network" {
  source = "./modules/network"

  name                    = "${local.name}-primary"
  vpc_cidr                = local.spec.network.primary.vpc_cidr
  availability_zones      = local.spec.network.primary.availability_zones
  public_subnets          = local.spec.network.primary.subnets.public
  private_app_subnets     = local.spec.network.primary.subnets.private_app
  private_data_subnets    = local.spec.network.primary.subnets.private_data
  nat                     = local.spec.network.primary.nat
  flow_log_kms_key_arn    = module.security.kms_key_arns["logs"]
  flow_log_retention_days = var.log_retention_days
  interface_endpoints     = local.is_cloud ? local.interface_endpoints : []
  tags                    = local.tags
}

module "network_dr" {
  source    = "./modules/network"
  count     = local.is_cloud ? 1 : 0
  providers = { aws = aws.dr }

  name                    = "${local.name}-dr"
  vpc_cidr                = local.spec.network.dr.vpc_cidr
  availability_zones      = local.spec.network.dr.availability_zones
  public_subnets          = local.spec.network.dr.subnets.public
  private_app_subnets     = local.spec.network.dr.subnets.private_app
  private_data_subnets    = local.spec.network.dr.subnets.private_data
  nat                     = local.spec.network.dr.nat
  flow_log_kms_key_arn    = module.security_dr.kms_key_arns["logs"]
  flow_log_retention_days = var.log_retention_days
  interface_endpoints     = local.interface_endpoints
  tags                    = local.tags
}

module "storage" {
  source    = "./modules/storage"
  providers = { aws = aws, aws.dr = aws.dr }

  name            = local.name
  account_id      = local.spec.account_id
  kms_key_arns    = module.security.kms_key_arns
  dr_kms_key_arns = module.security_dr.kms_key_arns
  buckets = {
    # pgBackRest expires its own backups; S3 only bounds the versions it leaves behind.
    backup    = { kms_class = "backup", noncurrent_version_expiration_days = local.spec.backup.retention_days }
    logs      = { kms_class = "logs", noncurrent_version_expiration_days = 30, current_version_expiration_days = 365, transition_to_ia_days = 30 }
    artifacts = { kms_class = "data", noncurrent_version_expiration_days = 90 }
  }
  replication_enabled = var.s3_replication_enabled
  lifecycle_enabled   = var.s3_lifecycle_enabled
  force_destroy       = var.force_destroy
  tags                = local.tags
}

module "secrets" {
  source    = "./modules/secrets"
  providers = { aws = aws, aws.generator = aws.secrets_generator }

  project              = local.spec.project
  environment          = local.spec.name
  kms_key_arn          = module.security.kms_key_arns["secrets"]
  dr_region            = var.secret_replicas_enabled ? local.spec.regions.dr : null
  dr_kms_key_arn       = module.security_dr.kms_key_arns["secrets"]
  recovery_window_days = var.secret_recovery_window_days
  value_version        = var.secret_value_version
  generate_values      = var.generate_secret_values
  tags                 = local.tags
}

locals {
  # Private access to AWS APIs for hosts and nodes (SSM Session Manager needs the first three).
  interface_endpoints = ["ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms", "logs", "sts", "ecr.api", "ecr.dkr"]
}
