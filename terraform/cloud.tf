# What only cloud environments (kind: cloud) have besides the regions' slices (main.tf):
# observability and the edge, each counted on local.is_cloud; and the inputs both
# regions share: IAM for service accounts and database hosts, host groups, cache switches.

locals {
  account = local.spec.account_id
  env     = local.spec.name
  project = local.spec.project

  cloud = local.is_cloud ? 1 : 0
  # Both regions' caches authenticate the API by IAM (no token to replicate), as the same user.
  cache_primary  = local.is_cloud && var.cache_enabled
  cache_dr       = local.cache_primary
  cache_app_user = "${local.name}-api"
  # What the API's elasticache:Connect names: each region's replication group and its user there.
  cache_connect_arns = flatten([
    for role, region in { primary = local.spec.regions.primary, dr = local.spec.regions.dr } : [
      "arn:aws:elasticache:${region}:${local.account}:replicationgroup:${local.name}-${role}",
      "arn:aws:elasticache:${region}:${local.account}:user:${local.cache_app_user}",
    ]
  ])

  # Spec host groups as the region module takes them: the primary cluster, and the DR
  # standby cluster (hosts.database_dr; absent means none). Local groups are loopback
  # addresses, not EC2 hosts.
  host_groups = {
    for group in ["database", "database_dr"] : group => local.is_cloud ? try(local.spec.hosts[group], null) : null
  }

  opensearch_domain = substr("${local.name}-logs", 0, 28)
  # Whether the domain exists, so its endpoint is published for Fluent Bit on EKS (modules/secrets).
  logs_endpoint_published = local.is_cloud && var.opensearch_enabled
  opensearch_arn          = "arn:aws:es:${local.spec.regions.primary}:${local.account}:domain/${local.opensearch_domain}"
  api_log_group_arn       = "arn:aws:logs:${local.spec.regions.primary}:${local.account}:log-group:/quantumvest/${local.env}/api"

  # Who ships logs to the domain: Fluent Bit on EKS and on the database hosts of both regions
  # (ansible/roles/log_shipper; a region without database hosts has no role to add). The DR
  # region's hosts also need a network path to the primary region's VPC, which does not exist yet.
  # (Evaluated for the local environment too, which has no IRSA roles: try.)
  log_writer_role_arns = compact([try(module.primary.irsa_role_arns["fluent-bit"], null),
  module.primary.database_role_arn, module.dr.database_role_arn])

  # Secrets by name, in any region (the DR replicas carry the same names); "-*" is the
  # random suffix Secrets Manager adds to every secret ARN.
  secret_arn = {
    for k, path in {
      database_superuser   = "database/superuser"
      database_replication = "database/replication"
      database_app         = "database/app"
      database_owner       = "database/owner"
      database_rest_api    = "database/patroni-api"
      redis_auth           = "redis/auth"
      grafana_admin        = "grafana/admin"
      backup_cipher        = "backup/cipher"
    } : k => "arn:aws:secretsmanager:*:${local.account}:secret:${local.project}/${local.env}/${path}-*"
  }
  # What the observability host reads: Grafana's admin password, and the secrets the spec's
  # alert receivers name (webhook URLs; SES SMTP credentials when a receiver is email), which
  # operators put into Secrets Manager themselves.
  alerting_secret_names = concat(
    [for r in local.spec.alerting.receivers : r.url_secret if try(r.url_secret, null) != null],
    anytrue([for r in local.spec.alerting.receivers : r.type == "email"]) ? ["${local.project}/${local.env}/alertmanager/smtp"] : [],
  )
  observability_secret_arns = concat(
    [local.secret_arn.grafana_admin],
    [for name in local.alerting_secret_names : "arn:aws:secretsmanager:*:${local.account}:secret:${name}-*"],
  )
  # What External Secrets reads, per identity it authenticates as (the service account of each
  # store in src/qvctl/kubernetes/secrets.py, whose ExternalSecrets a cross-layer check compares
  # with this map): nothing else.
  # - external-secrets (the application namespace's store): what the API's pods mount (no Redis
  #   password: the API logs in by IAM), never the superuser's, the replication or Patroni
  #   credentials or the backup passphrase;
  # - external-secrets-logging (the logging namespace's store): the OpenSearch endpoint's name
  #   alone, so that namespace can never sync a database password.
  external_secret_paths = {
    external-secrets         = ["database/app", "database/owner", "pki/ca", "cache/endpoint"]
    external-secrets-logging = ["logs/endpoint"]
  }
  external_secret_arns = {
    for account, paths in local.external_secret_paths : account => [
      for path in paths : "arn:aws:secretsmanager:*:${local.account}:secret:${local.project}/${local.env}/${path}-*"
    ]
  }

  secrets_keys = [module.primary.kms_key_arns["secrets"], module.dr.kms_key_arns["secrets"]]
  backup_keys  = [module.primary.kms_key_arns["backup"], module.dr.kms_key_arns["backup"]]
  backup_buckets = compact([
    module.storage.bucket_arns["backup"],
    try("arn:aws:s3:::${module.storage.dr_bucket_names["backup"]}", ""),
  ])

  namespace = local.spec.kubernetes.namespace

  # IAM roles for service accounts (contract: <project>-<env>-irsa-<serviceaccount>):
  # explicit actions on named resources only.
  service_accounts = {
    # The API reads its credentials from files External Secrets writes and never calls Secrets
    # Manager or KMS; its only AWS call is signing the IAM token it logs in to Redis with.
    api = {
      namespace = local.namespace
      statements = local.cache_primary ? [
        { sid = "ConnectToCache", actions = ["elasticache:Connect"], resources = local.cache_connect_arns },
      ] : []
    }
    external-secrets = {
      namespace = "external-secrets"
      statements = [
        { sid = "ReadPodSecrets", actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources = local.external_secret_arns["external-secrets"] },
        { sid = "DecryptSecrets", actions = ["kms:Decrypt"], resources = local.secrets_keys },
      ]
    }
    external-secrets-logging = {
      namespace = "logging"
      statements = [
        { sid = "ReadLogsEndpoint", actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources = local.external_secret_arns["external-secrets-logging"] },
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

  # The database hosts of both regions: the pgBackRest repository in each region (the DR
  # twin exists while replication is on), the database secrets and the repository passphrase.
  database_access = {
    backup_bucket_arns  = local.backup_buckets
    backup_kms_key_arns = local.backup_keys
    # The database hosts configure every database role (Ansible reads the secrets on the host).
    secret_arns = [local.secret_arn.database_superuser, local.secret_arn.database_replication, local.secret_arn.database_app,
    local.secret_arn.database_owner, local.secret_arn.database_rest_api, local.secret_arn.backup_cipher]
    secrets_kms_key_arns = local.secrets_keys
  }
}

# --- Audit: one trail for the environment, in every region ------------------------------

locals {
  # modules/audit names its trail <name>-audit; the primary region's logs key trusts it by this ARN.
  audit_trail_arn = "arn:aws:cloudtrail:${local.spec.regions.primary}:${local.account}:trail/${local.name}-audit"
}

module "audit" {
  source = "./modules/audit"
  count  = local.cloud

  name        = local.name
  account_id  = local.account
  kms_key_arn = module.primary.kms_key_arns["logs"]
  # The platform's data buckets, their DR twins and the state bucket (terraform/bootstrap names
  # it <name>-tfstate-<account>): every object read and write is recorded.
  data_bucket_arns = concat(values(module.storage.bucket_arns), values(module.storage.dr_bucket_arns),
  ["arn:aws:s3:::${local.name}-tfstate-${local.account}"])
  log_retention_days = var.log_retention_days
  force_destroy      = var.force_destroy
  lifecycle_enabled  = var.s3_lifecycle_enabled
  tls_only           = var.s3_tls_only
  tags               = local.tags
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
  subnet_ids                   = module.primary.private_data_subnet_ids
  host_security_group_id       = module.primary.security_group_ids["observability"]
  opensearch_security_group_id = module.primary.security_group_ids["opensearch"]
  data_kms_key_arn             = module.primary.kms_key_arns["data"]
  logs_kms_key_arn             = module.primary.kms_key_arns["logs"]
  log_retention_days           = var.log_retention_days
  opensearch_enabled           = var.opensearch_enabled
  log_writer_role_arns         = local.log_writer_role_arns
  monitored_instances          = zipmap(module.primary.database_hostnames, module.primary.database_instance_ids)
  readable_secret_arns         = local.observability_secret_arns
  secrets_kms_key_arns         = local.secrets_keys
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
    vpc_id                = module.primary.vpc_id
    public_subnet_ids     = module.primary.public_subnet_ids
    alb_security_group_id = module.primary.security_group_ids["alb"]
    logs_kms_key_arn      = module.primary.kms_key_arns["logs"]
  }
  dr = {
    vpc_id                = module.dr.vpc_id
    public_subnet_ids     = module.dr.public_subnet_ids
    alb_security_group_id = module.dr.security_group_ids["alb"]
    logs_kms_key_arn      = module.dr.kms_key_arns["logs"]
  }
  deletion_protection  = var.alb_deletion_protection
  wait_for_certificate = var.wait_for_certificate
  tags                 = local.tags
}

# --- Private names inside both regions' VPCs -------------------------------------------

locals {
  # Every database host is listed: libpq connects to the one that fits the session it asks
  # for (target_session_attrs=read-write finds the leader, prefer-standby a replica), so a
  # Patroni failover changes no record. postgres-dr names the DR standby cluster.
  # A literal map, so qvctl's cross-layer checks can read it (src/qvctl/contract/internal_names.py):
  # every internal name the rendered manifests use must be a key here.
  internal_record_table = {
    postgres      = { type = "A", values = module.primary.database_private_ips, enabled = true }
    "postgres-ro" = { type = "A", values = module.primary.database_private_ips, enabled = true }
    "postgres-dr" = { type = "A", values = module.dr.database_private_ips, enabled = length(module.dr.database_hostnames) > 0 }
    redis         = { type = "CNAME", values = [module.primary.cache_primary_endpoint], enabled = local.cache_primary }
    logs          = { type = "CNAME", values = [one(module.observability[*].opensearch_endpoint)], enabled = var.opensearch_enabled }
  }
  internal_records = { for name, r in local.internal_record_table : name => { type = r.type, values = r.values } if r.enabled }
}

module "internal_dns" {
  source = "./modules/private_dns"
  count  = local.is_cloud && var.private_dns_enabled ? 1 : 0

  name      = local.name
  zone_name = "internal.${local.spec.domain}"
  vpcs = [
    { vpc_id = module.primary.vpc_id, region = local.spec.regions.primary },
    { vpc_id = module.dr.vpc_id, region = local.spec.regions.dr },
  ]
  records = local.internal_records
  tags    = local.tags
}
