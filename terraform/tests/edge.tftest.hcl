# Offline: HTTPS-only ALBs behind WAF in both regions, Route53 failover between them.
mock_provider "aws" {
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "dr"
  source = "./tests/mocks"
}

variables {
  name   = "quantumvest-prod"
  domain = "quantumvest.example.com"
  primary = {
    vpc_id                = "vpc-primary"
    public_subnet_ids     = ["subnet-a", "subnet-b", "subnet-c"]
    alb_security_group_id = "sg-alb"
    logs_kms_key_arn      = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  }
  dr = {
    vpc_id                = "vpc-dr"
    public_subnet_ids     = ["subnet-d", "subnet-e", "subnet-f"]
    alb_security_group_id = "sg-alb-dr"
    logs_kms_key_arn      = "arn:aws:kms:eu-central-1:333333333333:key/logs"
  }
}

run "failover_between_regions" {
  command = apply
  module {
    source = "./modules/edge"
  }

  assert {
    condition     = aws_route53_record.apex["primary"].failover_routing_policy[0].type == "PRIMARY" && aws_route53_record.apex["dr"].failover_routing_policy[0].type == "SECONDARY"
    error_message = "the apex must fail over from the primary region to the DR region"
  }
  assert {
    condition     = alltrue([for h in aws_route53_health_check.this : h.type == "HTTPS" && h.resource_path == "/readyz"])
    error_message = "health checks must probe /readyz over HTTPS"
  }
  assert {
    condition     = alltrue([for r in aws_route53_record.apex : r.health_check_id != null])
    error_message = "each failover record needs its health check"
  }
}

run "regional_entry_is_https_only_behind_waf" {
  command = apply
  module {
    source = "./modules/edge/modules/regional"
  }
  variables {
    name                  = "quantumvest-prod-primary"
    zone_id               = "Z0123456789"
    vpc_id                = "vpc-primary"
    public_subnet_ids     = ["subnet-a", "subnet-b", "subnet-c"]
    alb_security_group_id = "sg-alb"
    logs_kms_key_arn      = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  }

  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.port == 443 && startswith(aws_lb_listener.https.ssl_policy, "ELBSecurityPolicy-TLS13")
    error_message = "the only listener is HTTPS with a TLS 1.2+/1.3 policy"
  }
  assert {
    condition     = aws_wafv2_web_acl_association.this.resource_arn == aws_lb.this.arn
    error_message = "the WAF must be attached to the ALB"
  }
  assert {
    condition     = aws_lb.this.drop_invalid_header_fields && aws_lb_target_group.ingress.protocol == "HTTPS"
    error_message = "invalid headers dropped; TLS to the targets too"
  }
  assert {
    # The API's bodies go up to 1 MiB (a price batch); the common rule set's 8 KB limit would block them.
    condition = one([
      for r in aws_wafv2_web_acl.this.rule : one(r.statement[0].managed_rule_group_statement[0].rule_action_override).name
      if r.name == "AWSManagedRulesCommonRuleSet"
    ]) == "SizeRestrictions_BODY"
    error_message = "the common rule set must count, not block, bodies over 8 KB"
  }
}
