# Offline: the private zone is resolvable from both regions' VPCs and holds the records asked for.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name      = "quantumvest-prod"
  zone_name = "internal.quantumvest.example.com"
  vpcs = [
    { vpc_id = "vpc-primary", region = "eu-west-1" },
    { vpc_id = "vpc-dr", region = "eu-central-1" },
  ]
  records = {
    postgres      = { type = "A", values = ["10.40.64.10", "10.40.65.10", "10.40.66.10"] }
    "postgres-ro" = { type = "A", values = ["10.40.64.10", "10.40.65.10", "10.40.66.10"] }
    "postgres-dr" = { type = "A", values = ["10.41.64.10", "10.41.65.10", "10.41.66.10"] }
    redis         = { type = "CNAME", values = ["master.quantumvest-prod-primary.abc123.euw1.cache.amazonaws.com"] }
    logs          = { type = "CNAME", values = ["vpc-quantumvest-prod-logs-abc123.eu-west-1.es.amazonaws.com"] }
  }
}

run "zone_in_both_vpcs_with_typed_records" {
  command = apply
  module {
    source = "./modules/private_dns"
  }

  assert {
    condition     = aws_route53_zone.this.name == "internal.quantumvest.example.com" && toset([for v in aws_route53_zone.this.vpc : "${v.vpc_id}@${v.vpc_region}"]) == toset(["vpc-primary@eu-west-1", "vpc-dr@eu-central-1"])
    error_message = "the private zone must be associated with the primary and the DR VPC"
  }
  assert {
    condition     = aws_route53_record.this["postgres"].type == "A" && length(aws_route53_record.this["postgres"].records) == 3 && aws_route53_record.this["postgres-dr"].type == "A"
    error_message = "postgres and postgres-dr are A records of every host of their cluster"
  }
  assert {
    condition     = aws_route53_record.this["redis"].type == "CNAME" && aws_route53_record.this["logs"].type == "CNAME" && aws_route53_record.this["redis"].name == "redis.internal.quantumvest.example.com"
    error_message = "redis and logs are CNAMEs inside the zone"
  }
  assert {
    condition     = output.record_names["postgres-ro"] == "postgres-ro.internal.quantumvest.example.com"
    error_message = "record_names gives each record's full name"
  }
}

run "rejects_a_cname_with_two_targets" {
  command = plan
  module {
    source = "./modules/private_dns"
  }
  variables {
    records = { redis = { type = "CNAME", values = ["a.example.com", "b.example.com"] } }
  }
  expect_failures = [var.records]
}
