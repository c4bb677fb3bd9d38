# A private Route53 zone shared by the VPCs of both regions: stable names for what the
# platform reaches inside its networks (the Patroni clusters, the cache, the log store),
# so clients and Ansible never carry instance addresses or AWS endpoint names.

resource "aws_route53_zone" "this" {
  # checkov:skip=CKV2_AWS_38:DNSSEC signing is not available for private hosted zones; the zone answers only inside the platform's VPCs.
  # checkov:skip=CKV2_AWS_39:Route53 hosted-zone query logging exists for public zones only; AWS rejects it for a private zone. The queries for these names are logged by Route 53 Resolver query logging on both VPCs that resolve the zone (modules/network: aws_route53_resolver_query_log_config_association).
  name    = var.zone_name
  comment = "QuantumVest ${var.name}: private names inside both regions' VPCs"

  dynamic "vpc" {
    for_each = var.vpcs
    content {
      vpc_id     = vpc.value.vpc_id
      vpc_region = vpc.value.region
    }
  }

  tags = var.tags
}

resource "aws_route53_record" "this" {
  for_each = var.records

  zone_id = aws_route53_zone.this.zone_id
  name    = "${each.key}.${var.zone_name}"
  type    = each.value.type
  ttl     = each.value.ttl
  records = each.value.values
}
