# Offline (mock provider): the network's shape per NAT mode and the data tier's isolation.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                 = "qv-test-primary"
  vpc_cidr             = "10.40.0.0/16"
  availability_zones   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  public_subnets       = ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"]
  private_app_subnets  = ["10.40.16.0/20", "10.40.32.0/20", "10.40.48.0/20"]
  private_data_subnets = ["10.40.64.0/24", "10.40.65.0/24", "10.40.66.0/24"]
  flow_log_kms_key_arn = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  interface_endpoints  = ["ssm", "secretsmanager"]
}

run "nat_per_az_gives_each_zone_its_own_gateway" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat = "per_az"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3
    error_message = "per_az must create one NAT gateway per availability zone"
  }
  assert {
    condition     = length(aws_route.private_app_nat) == 3 && length(aws_route.private_data_nat) == 3
    error_message = "every private route table needs its NAT route"
  }
}

run "single_nat_is_shared" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat = "single"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1
    error_message = "single must create exactly one NAT gateway"
  }
}

run "data_tier_never_routes_to_the_internet_gateway" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat = "per_az"
  }

  assert {
    condition     = alltrue([for r in aws_route.private_data_nat : r.gateway_id == null && r.nat_gateway_id != null])
    error_message = "private-data routes must use NAT, never the internet gateway"
  }
  assert {
    condition     = aws_route.public_internet.route_table_id == aws_route_table.public.id
    error_message = "the only internet gateway route belongs to the public route table"
  }
  assert {
    condition     = alltrue([for s in aws_subnet.private_data : s.map_public_ip_on_launch != true])
    error_message = "data subnets must not assign public addresses"
  }
}

run "flow_logs_are_encrypted_and_capture_everything" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat = "none"
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs.kms_key_id == var.flow_log_kms_key_arn
    error_message = "the flow log group must be encrypted with the logs CMK"
  }
  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL"
    error_message = "flow logs must capture accepted and rejected traffic"
  }
  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_route.private_app_nat) == 0
    error_message = "nat = none must create no NAT gateway and no default route"
  }
  assert {
    condition     = length(aws_vpc_endpoint.interface) == 2 && aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway"
    error_message = "the S3 gateway endpoint and the requested interface endpoints must exist"
  }
}

# network/no-open-ingress and network/no-ssh on the module's own rules: the interface endpoints
# take HTTPS from the VPC only, and the default group admits nothing.
run "endpoints_admit_https_from_the_vpc_only" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat = "none"
  }

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.endpoints_https) == 1 &&
      aws_vpc_security_group_ingress_rule.endpoints_https[0].cidr_ipv4 == "10.40.0.0/16" &&
      aws_vpc_security_group_ingress_rule.endpoints_https[0].cidr_ipv6 == null
    )
    error_message = "network/no-open-ingress: the endpoints' HTTPS rule must admit the VPC's CIDR (10.40.0.0/16) only, never 0.0.0.0/0 or ::/0"
  }
  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.endpoints_https :
      r.ip_protocol == "tcp" && r.from_port == 443 && r.to_port == 443
    ])
    error_message = "network/no-ssh: the endpoints' rule must open 443/tcp only (never 22, never every port)"
  }
  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && alltrue([for g in aws_security_group.endpoints : length(g.ingress) == 0])
    error_message = "network/no-open-ingress: the default group admits nothing and the endpoints' group has no inline ingress"
  }
}

run "rejects_an_unknown_nat_mode" {
  command = plan
  module {
    source = "./modules/network"
  }
  variables {
    nat = "sometimes"
  }
  expect_failures = [var.nat]
}

run "dns_queries_of_the_vpc_are_logged_encrypted" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat                     = "single"
    flow_log_retention_days = 365
  }

  assert {
    condition     = aws_route53_resolver_query_log_config_association.this[0].resource_id == aws_vpc.this.id && aws_route53_resolver_query_log_config_association.this[0].resolver_query_log_config_id == aws_route53_resolver_query_log_config.this[0].id
    error_message = "the VPC must be associated with its query log config"
  }
  assert {
    condition     = aws_route53_resolver_query_log_config.this[0].destination_arn == aws_cloudwatch_log_group.dns_queries[0].arn
    error_message = "the query logs go to the VPC's DNS query log group"
  }
  assert {
    condition     = aws_cloudwatch_log_group.dns_queries[0].kms_key_id == "arn:aws:kms:eu-west-1:333333333333:key/logs" && aws_cloudwatch_log_group.dns_queries[0].retention_in_days == 365
    error_message = "the DNS query log group is encrypted with the logs key and kept as long as the flow logs"
  }
}

run "dns_query_logging_can_be_left_off" {
  command = apply
  module {
    source = "./modules/network"
  }
  variables {
    nat                       = "single"
    dns_query_logging_enabled = false
  }

  assert {
    condition     = length(aws_route53_resolver_query_log_config_association.this) == 0 && length(aws_cloudwatch_log_group.dns_queries) == 0 && output.dns_query_log == null
    error_message = "off means no query log config, association or log group"
  }
}
