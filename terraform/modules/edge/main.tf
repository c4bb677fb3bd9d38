# The public entry: a Route53 zone whose apex fails over from the primary region's ALB to
# the DR region's when Route53 health checks of the primary fail.

resource "aws_route53_zone" "this" {
  # checkov:skip=CKV2_AWS_38:DNSSEC signing needs a KMS key in us-east-1 and a DS record in the parent zone, which is outside this repository; enable together with the delegation.
  # checkov:skip=CKV2_AWS_39:Query logging needs a log group in us-east-1 (the platform runs in other regions); resolver traffic is not sensitive for this zone.
  name    = var.domain
  comment = "QuantumVest ${var.name}"
  tags    = var.tags
}

module "primary" {
  source = "./modules/regional"

  name                  = "${var.name}-primary"
  domain                = var.domain
  zone_id               = aws_route53_zone.this.zone_id
  vpc_id                = var.primary.vpc_id
  public_subnet_ids     = var.primary.public_subnet_ids
  alb_security_group_id = var.primary.alb_security_group_id
  logs_kms_key_arn      = var.primary.logs_kms_key_arn
  deletion_protection   = var.deletion_protection
  wait_for_certificate  = var.wait_for_certificate
  health_check_path     = var.health_check_path
  tags                  = var.tags
}

module "dr" {
  source    = "./modules/regional"
  providers = { aws = aws.dr }

  name                  = "${var.name}-dr"
  domain                = var.domain
  zone_id               = aws_route53_zone.this.zone_id
  vpc_id                = var.dr.vpc_id
  public_subnet_ids     = var.dr.public_subnet_ids
  alb_security_group_id = var.dr.alb_security_group_id
  logs_kms_key_arn      = var.dr.logs_kms_key_arn
  deletion_protection   = var.deletion_protection
  wait_for_certificate  = var.wait_for_certificate
  health_check_path     = var.health_check_path
  tags                  = var.tags
}

locals {
  regions = {
    primary = { failover = "PRIMARY", alb_dns = module.primary.alb_dns_name, alb_zone = module.primary.alb_zone_id }
    dr      = { failover = "SECONDARY", alb_dns = module.dr.alb_dns_name, alb_zone = module.dr.alb_zone_id }
  }
}

resource "aws_route53_health_check" "this" {
  for_each = local.regions

  type              = "HTTPS"
  fqdn              = each.value.alb_dns
  port              = 443
  resource_path     = var.health_check_path
  failure_threshold = 3
  request_interval  = 30
  tags              = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

resource "aws_route53_record" "apex" {
  for_each = local.regions

  zone_id         = aws_route53_zone.this.zone_id
  name            = var.domain
  type            = "A"
  set_identifier  = each.key
  health_check_id = aws_route53_health_check.this[each.key].id

  failover_routing_policy {
    type = each.value.failover
  }

  alias {
    name                   = each.value.alb_dns
    zone_id                = each.value.alb_zone
    evaluate_target_health = true
  }
}
