# One region's slice of the platform: KMS keys and security groups, the network, and in
# cloud environments the EKS cluster, the Patroni database hosts and the cache. The root
# calls it once per region (module "primary" and module "dr"); what differs between the
# regions (the DR cluster is a standby, IAM roles exist once, the DR cache needs the
# secret replicas) is decided by the caller through the inputs.

locals {
  # Private access to AWS APIs for hosts and nodes (SSM Session Manager needs the first three).
  interface_endpoints = ["ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms", "logs", "sts", "ecr.api", "ecr.dkr"]

  network  = var.network == null ? 0 : 1
  cloud    = var.cloud ? 1 : 0
  database = var.cloud && try(var.database_hosts.count, 0) > 0 ? 1 : 0
  cache    = var.cloud && var.cache.enabled ? 1 : 0
}

module "security" {
  source = "../security"

  name                     = var.name
  account_id               = var.account_id
  key_deletion_window_days = var.key_deletion_window_days
  # Locally nothing runs in the VPC (hosts are loopback addresses), so no security groups.
  create_security_groups = var.cloud
  vpc_id                 = one(module.network[*].vpc_id)
  vpc_cidr               = try(var.network.vpc_cidr, null)
  ports                  = { app = var.app_port }
  cloudtrail_arns        = var.audit_trail_arns
  tags                   = var.tags
}

module "network" {
  source = "../network"
  count  = local.network

  name                    = var.name
  vpc_cidr                = var.network.vpc_cidr
  availability_zones      = var.network.availability_zones
  public_subnets          = var.network.subnets.public
  private_app_subnets     = var.network.subnets.private_app
  private_data_subnets    = var.network.subnets.private_data
  nat                     = var.network.nat
  flow_log_kms_key_arn    = module.security.kms_key_arns["logs"]
  flow_log_retention_days = var.log_retention_days
  # Locally nothing resolves names inside the VPC (hosts are loopback addresses).
  dns_query_logging_enabled = var.cloud && var.dns_query_logging_enabled
  interface_endpoints       = var.cloud ? local.interface_endpoints : []
  tags                      = var.tags
}

module "eks" {
  source = "../eks"
  count  = local.cloud

  name                   = var.name
  kubernetes_version     = var.kubernetes.version
  subnet_ids             = module.network[0].private_app_subnet_ids
  node_security_group_id = module.security.security_group_ids["app"]
  secrets_kms_key_arn    = module.security.kms_key_arns["secrets"]
  logs_kms_key_arn       = module.security.kms_key_arns["logs"]
  volumes_kms_key_arn    = module.security.kms_key_arns["data"]
  log_retention_days     = var.log_retention_days
  node_groups            = var.kubernetes.node_groups
  addons_enabled         = var.eks_addons_enabled
  # IAM is global: only one region's cluster creates the roles, trusted by both clusters.
  create_irsa_roles         = var.irsa != null
  irsa_role_name_prefix     = var.irsa_role_name_prefix
  additional_oidc_providers = var.irsa != null ? var.irsa.additional_oidc_providers : []
  service_accounts          = var.irsa != null ? var.irsa.service_accounts : {}
  tags                      = var.tags
}

module "database_hosts" {
  source = "../database_hosts"
  count  = local.database

  name                 = var.name
  environment          = var.environment
  region_role          = var.region_role
  host_count           = var.database_hosts.count
  instance_type        = var.database_hosts.instance_type
  volume_gb            = var.database_hosts.volume_gb
  subnet_ids           = module.network[0].private_data_subnet_ids
  security_group_id    = module.security.security_group_ids["database"]
  kms_key_arn          = module.security.kms_key_arns["data"]
  ami                  = var.host_ami
  detailed_monitoring  = var.detailed_monitoring
  backup_bucket_arns   = var.database_access.backup_bucket_arns
  backup_kms_key_arns  = var.database_access.backup_kms_key_arns
  secret_arns          = var.database_access.secret_arns
  secrets_kms_key_arns = var.database_access.secrets_kms_key_arns
  tags                 = var.tags
}

module "cache" {
  source = "../cache"
  count  = local.cache

  name              = var.name
  node_type         = var.cache.node_type
  replicas          = var.cache.replicas
  subnet_ids        = module.network[0].private_data_subnet_ids
  security_group_id = module.security.security_group_ids["cache"]
  kms_key_arn       = module.security.kms_key_arns["data"]
  logs_kms_key_arn  = module.security.kms_key_arns["logs"]
  app_user_name     = var.cache.app_user
  tags              = var.tags
}
