# What only cloud environments (kind: cloud) have: the DR network's workloads, EKS in both
# regions, the Patroni hosts (primary cluster and DR standby cluster), ElastiCache,
# observability and the edge. Each module is counted on local.is_cloud.

locals {
  account = local.spec.account_id
  env     = local.spec.name
  project = local.spec.project

  cloud  = local.is_cloud ? 1 : 0
  cache  = local.is_cloud && var.cache_enabled ? 1 : 0
  dr_sms = local.is_cloud && var.cache_enabled && var.secret_replicas_enabled ? 1 : 0

  opensearch_domain = substr("${local.name}-logs", 0, 28)
  opensearch_arn    = "arn:aws:es:${local.spec.regions.primary}:${local.account}:domain/${local.opensearch_domain}"
  api_log_group_arn = "arn:aws:logs:${local.spec.regions.primary}:${local.account}:log-group:/quantumvest/${local.env}/api"

  # Secrets by name, in any region (the DR replicas carry the same names); "-*" is the
  # random suffix Secrets Manager adds to every secret ARN.
  secret_arn = {
    for k, path in {
      database_superuser   = "database/superuser"
      database_replication = "database/replication"
      database_app         = "database/app"
      redis_auth           = "redis/auth"
    } : k => "arn:aws:secretsmanager:*:${local.account}:secret:${local.project}/${local.env}/${path}-*"
  }
  all_secrets_arn = "arn:aws:secretsmanager:*:${local.account}:secret:${local.project}/${local.env}/*"

  secrets_keys = [module.security.kms_key_arns["secrets"], module.security_dr.kms_key_arns["secrets"]]
  backup_keys  = [module.security.kms_key_arns["backup"], module.security_dr.kms_key_arns["backup"]]
  backup_buckets = compact([
    module.storage.bucket_arns["backup"],
    try("arn:aws:s3:::${module.storage.dr_bucket_names["backup"]}", ""),
  ])

  namespace = local.spec.kubernetes.namespace

  # IAM roles for service accounts (contract: <project>-<env>-irsa-<serviceaccount>):
  # explicit actions on named resources only.
  service_accounts = {
    api = {
      namespace = local.namespace
      statements = [
        { sid = "ReadOwnSecrets", actions = ["secretsmanager:GetSecretValue"], resources = [local.secret_arn.database_app, local.secret_arn.redis_auth] },
        { sid = "DecryptSecrets", actions = ["kms:Decrypt"], resources = local.secrets_keys },
      ]
    }
    external-secrets = {
      namespace = "external-secrets"
      statements = [
        { sid = "ReadEnvironmentSecrets", actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources = [local.all_secrets_arn] },
        { sid = "DecryptSecrets", actions = ["kms:Decrypt"], resources = local.secrets_keys },
      ]
    }
    fluent-bit = {
      namespace = "logging"
      statements = [
        { sid = "WriteOpenSearch", actions = ["es:ESHttpPost", "es:ESHttpPut"], resources = ["${local.opensearch_arn}/*"] },
        { sid = "WriteApiLogGroup", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = ["${local.api_log_group_arn}:*"] },
      ]
    }
    backup = {
      namespace = local.namespace
      statements = [
        { sid = "ListBackupRepository", actions = ["s3:ListBucket"], resources = local.backup_buckets },
        { sid = "ReadWriteBackups", actions = ["s3:GetObject", "s3:PutObject"], resources = [for b in local.backup_buckets : "${b}/*"] },
        { sid = "UseBackupKeys", actions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources = local.backup_keys },
      ]
    }
  }
}

# --- EKS: both regions; the IAM roles (global) trust both clusters' OIDC providers -----

module "eks_dr" {
  source    = "./modules/eks"
  count     = local.cloud
  providers = { aws = aws.dr }

  name                   = "${local.name}-dr"
  kubernetes_version     = local.spec.kubernetes.version
  subnet_ids             = module.network_dr[0].private_app_subnet_ids
  node_security_group_id = module.security_dr.security_group_ids["app"]
  secrets_kms_key_arn    = module.security_dr.kms_key_arns["secrets"]
  logs_kms_key_arn       = module.security_dr.kms_key_arns["logs"]
  log_retention_days     = var.log_retention_days
  node_groups            = local.spec.kubernetes.node_groups
  create_irsa_roles      = false
  tags                   = local.tags
}

module "eks" {
  source = "./modules/eks"
  count  = local.cloud

  name                      = "${local.name}-primary"
  kubernetes_version        = local.spec.kubernetes.version
  subnet_ids                = module.network.private_app_subnet_ids
  node_security_group_id    = module.security.security_group_ids["app"]
  secrets_kms_key_arn       = module.security.kms_key_arns["secrets"]
  logs_kms_key_arn          = module.security.kms_key_arns["logs"]
  log_retention_days        = var.log_retention_days
  node_groups               = local.spec.kubernetes.node_groups
  create_irsa_roles         = true
  irsa_role_name_prefix     = "${local.name}-irsa-"
  additional_oidc_providers = [module.eks_dr[0].oidc_provider]
  service_accounts          = local.service_accounts
  tags                      = local.tags
}

# --- Database hosts: the Patroni cluster and, in DR, its standby cluster ---------------

module "database_hosts" {
  source = "./modules/database_hosts"
  count  = local.cloud

  name                 = "${local.name}-primary"
  environment          = local.env
  region_role          = "primary"
  host_count           = local.spec.hosts.database.count
  instance_type        = local.spec.hosts.database.instance_type
  volume_gb            = local.spec.hosts.database.volume_gb
  subnet_ids           = module.network.private_data_subnet_ids
  security_group_id    = module.security.security_group_ids["database"]
  kms_key_arn          = module.security.kms_key_arns["data"]
  ami                  = var.host_ami
  detailed_monitoring  = var.ec2_detailed_monitoring
  backup_bucket_arns   = local.backup_buckets
  backup_kms_key_arns  = local.backup_keys
  secret_arns          = [local.secret_arn.database_superuser, local.secret_arn.database_replication, local.secret_arn.database_app]
  secrets_kms_key_arns = local.secrets_keys
  tags                 = local.tags
}

module "database_hosts_dr" {
  source    = "./modules/database_hosts"
  count     = local.cloud
  providers = { aws = aws.dr }

  name                 = "${local.name}-dr"
  environment          = local.env
  region_role          = "dr"
  host_count           = local.spec.hosts.database.count
  instance_type        = local.spec.hosts.database.instance_type
  volume_gb            = local.spec.hosts.database.volume_gb
  subnet_ids           = module.network_dr[0].private_data_subnet_ids
  security_group_id    = module.security_dr.security_group_ids["database"]
  kms_key_arn          = module.security_dr.kms_key_arns["data"]
  ami                  = var.host_ami
  detailed_monitoring  = var.ec2_detailed_monitoring
  backup_bucket_arns   = local.backup_buckets
  backup_kms_key_arns  = local.backup_keys
  secret_arns          = [local.secret_arn.database_superuser, local.secret_arn.database_replication, local.secret_arn.database_app]
  secrets_kms_key_arns = local.secrets_keys
  tags                 = local.tags
}

# --- Cache -----------------------------------------------------------------------------

module "cache" {
  source = "./modules/cache"
  count  = local.cache

  name              = "${local.name}-primary"
  node_type         = local.spec.cache.node_type
  replicas          = local.spec.cache.replicas
  subnet_ids        = module.network.private_data_subnet_ids
  security_group_id = module.security.security_group_ids["cache"]
  kms_key_arn       = module.security.kms_key_arns["data"]
  logs_kms_key_arn  = module.security.kms_key_arns["logs"]
  auth_secret_arn   = module.secrets.secret_arns["redis_auth"]
  tags              = local.tags

  depends_on = [module.secrets]
}

module "cache_dr" {
  source    = "./modules/cache"
  count     = local.dr_sms
  providers = { aws = aws.dr }

  name              = "${local.name}-dr"
  node_type         = local.spec.cache.node_type
  replicas          = local.spec.cache.replicas
  subnet_ids        = module.network_dr[0].private_data_subnet_ids
  security_group_id = module.security_dr.security_group_ids["cache"]
  kms_key_arn       = module.security_dr.kms_key_arns["data"]
  logs_kms_key_arn  = module.security_dr.kms_key_arns["logs"]
  # The replica of the same secret, in the DR region.
  auth_secret_arn = replace(module.secrets.secret_arns["redis_auth"], ":${local.spec.regions.primary}:", ":${local.spec.regions.dr}:")
  tags            = local.tags

  depends_on = [module.secrets]
}

# --- Observability (primary region; its host scrapes both regions through peering/VPN) -

module "observability" {
  source = "./modules/observability"
  count  = local.cloud

  name                         = "${local.name}-primary"
  environment                  = local.env
  account_id                   = local.account
  opensearch_domain_name       = local.opensearch_domain
  host                         = { instance_type = local.spec.hosts.observability.instance_type, volume_gb = local.spec.hosts.observability.volume_gb }
  ami                          = var.host_ami
  detailed_monitoring          = var.ec2_detailed_monitoring
  subnet_ids                   = module.network.private_data_subnet_ids
  host_security_group_id       = module.security.security_group_ids["observability"]
  opensearch_security_group_id = module.security.security_group_ids["opensearch"]
  data_kms_key_arn             = module.security.kms_key_arns["data"]
  logs_kms_key_arn             = module.security.kms_key_arns["logs"]
  log_retention_days           = var.log_retention_days
  opensearch_enabled           = var.opensearch_enabled
  log_writer_role_arns         = [module.eks[0].irsa_role_arns["fluent-bit"], module.database_hosts[0].role_arn]
  monitored_instances          = zipmap(module.database_hosts[0].hostnames, module.database_hosts[0].instance_ids)
  tags                         = local.tags
}

# --- Edge ------------------------------------------------------------------------------

module "edge" {
  source    = "./modules/edge"
  count     = local.cloud
  providers = { aws = aws, aws.dr = aws.dr }

  name   = local.name
  domain = local.spec.domain
  primary = {
    vpc_id                = module.network.vpc_id
    public_subnet_ids     = module.network.public_subnet_ids
    alb_security_group_id = module.security.security_group_ids["alb"]
    logs_kms_key_arn      = module.security.kms_key_arns["logs"]
  }
  dr = {
    vpc_id                = module.network_dr[0].vpc_id
    public_subnet_ids     = module.network_dr[0].public_subnet_ids
    alb_security_group_id = module.security_dr.security_group_ids["alb"]
    logs_kms_key_arn      = module.security_dr.kms_key_arns["logs"]
  }
  deletion_protection  = var.alb_deletion_protection
  wait_for_certificate = var.wait_for_certificate
  tags                 = local.tags
}
