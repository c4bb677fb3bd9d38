# One provider per region: primary (default) and disaster recovery (alias "dr"), plus the
# secrets module's password generator. When aws_endpoint_url is set (the local emulator),
# every service points at it and the checks that need a real AWS account are skipped.
# Credentials always come from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
# a profile), never from tfvars.
#
# Why the blocks repeat: Terraform 1.11 cannot create provider configurations in a loop,
# and the argument names inside a block (such as the services of `endpoints`) cannot be
# computed from a list. So each block spells its settings and endpoint names out;
# local.emulated_services is the one list they must match, and
# tests/unit/test_terraform_static.py fails when a block's endpoints differ from it.

locals {
  emulated = var.aws_endpoint_url != null

  # Every service the configuration calls; all of them are sent to the emulator when set.
  emulated_services = [
    "acm", "autoscaling", "cloudwatch", "cloudwatchlogs", "dynamodb", "ec2", "ecr", "eks",
    "elasticache", "elbv2", "iam", "kms", "opensearch", "route53", "s3", "secretsmanager",
    "sns", "ssm", "sts", "wafv2",
    # modules/audit and the networks' DNS query logging.
    "cloudtrail", "route53resolver",
  ]
  # The password generator only calls these.
  generator_services = ["secretsmanager", "sts"]
}

provider "aws" {
  region = local.spec.regions.primary

  # On real AWS, refuse to touch any account other than the spec's.
  allowed_account_ids = local.emulated ? null : [local.spec.account_id]

  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  # Not skipped even on the emulator (it answers sts:GetCallerIdentity): without the account
  # ID the provider reads same-account security group references as "<account>/<sg>" and
  # the rules never converge.
  skip_requesting_account_id = false
  skip_region_validation     = local.emulated
  s3_use_path_style          = local.emulated
  # Few retries: an API moto lacks fails fast, yet the odd malformed answer moto gives under
  # concurrent load (seen: KMS ListResourceTags) is retried instead of failing the run.
  max_retries = local.emulated ? 4 : null

  dynamic "endpoints" {
    for_each = local.emulated ? [var.aws_endpoint_url] : []
    content {
      acm            = endpoints.value
      autoscaling    = endpoints.value
      cloudwatch     = endpoints.value
      cloudwatchlogs = endpoints.value
      dynamodb       = endpoints.value
      ec2            = endpoints.value
      ecr            = endpoints.value
      eks            = endpoints.value
      elasticache    = endpoints.value
      elbv2          = endpoints.value
      iam            = endpoints.value
      kms            = endpoints.value
      opensearch     = endpoints.value
      route53        = endpoints.value
      s3             = endpoints.value
      secretsmanager = endpoints.value
      sns            = endpoints.value
      ssm            = endpoints.value
      sts            = endpoints.value
      wafv2          = endpoints.value

      cloudtrail      = endpoints.value
      route53resolver = endpoints.value
    }
  }

  default_tags {
    tags = local.tags
  }
}

provider "aws" {
  alias  = "dr"
  region = local.spec.regions.dr

  # The same settings as the primary provider; see there for why.
  allowed_account_ids = local.emulated ? null : [local.spec.account_id]

  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_requesting_account_id  = false
  skip_region_validation      = local.emulated
  s3_use_path_style           = local.emulated
  max_retries                 = local.emulated ? 4 : null

  dynamic "endpoints" {
    for_each = local.emulated ? [var.aws_endpoint_url] : []
    content {
      acm            = endpoints.value
      autoscaling    = endpoints.value
      cloudwatch     = endpoints.value
      cloudwatchlogs = endpoints.value
      dynamodb       = endpoints.value
      ec2            = endpoints.value
      ecr            = endpoints.value
      eks            = endpoints.value
      elasticache    = endpoints.value
      elbv2          = endpoints.value
      iam            = endpoints.value
      kms            = endpoints.value
      opensearch     = endpoints.value
      route53        = endpoints.value
      s3             = endpoints.value
      secretsmanager = endpoints.value
      sns            = endpoints.value
      ssm            = endpoints.value
      sts            = endpoints.value
      wafv2          = endpoints.value

      cloudtrail      = endpoints.value
      route53resolver = endpoints.value
    }
  }

  default_tags {
    tags = merge(local.tags, { "qv:region-role" = "dr" })
  }
}

# Same account and region as the primary; used only by the secrets module's ephemeral
# password generator (see modules/secrets/versions.tf for why it is separate).
provider "aws" {
  alias  = "secrets_generator"
  region = local.spec.regions.primary

  allowed_account_ids = local.emulated ? null : [local.spec.account_id]

  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_requesting_account_id  = local.emulated
  skip_region_validation      = local.emulated
  max_retries                 = local.emulated ? 4 : null

  dynamic "endpoints" {
    for_each = local.emulated ? [var.aws_endpoint_url] : []
    content {
      secretsmanager = endpoints.value
      sts            = endpoints.value
    }
  }
}
