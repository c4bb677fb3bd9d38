# Offline: KMS keys per data class with rotation; security groups that only reference each
# other, with HTTPS on the load balancer as the single ingress from anywhere.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name       = "qv-test-primary"
  account_id = "333333333333"
  vpc_id     = "vpc-0123456789abcdef0"
  vpc_cidr   = "10.40.0.0/16"
}

run "one_rotating_key_per_data_class" {
  command = apply
  module {
    source = "./modules/security"
  }

  assert {
    condition     = toset(keys(aws_kms_key.this)) == toset(["data", "backup", "secrets", "logs"])
    error_message = "there must be a key for each data class"
  }
  assert {
    condition     = alltrue([for k in aws_kms_key.this : k.enable_key_rotation])
    error_message = "every KMS key must rotate"
  }
}

run "no_ingress_from_anywhere_except_https_on_the_alb" {
  command = apply
  module {
    source = "./modules/security"
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.between_groups : r.cidr_ipv4 == null && r.cidr_ipv6 == null])
    error_message = "tier-to-tier ingress must reference security groups, never CIDRs"
  }
  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.alb_https) == 1 &&
      aws_vpc_security_group_ingress_rule.alb_https[0].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.alb_https[0].to_port == 443 &&
      aws_vpc_security_group_ingress_rule.alb_https[0].security_group_id == aws_security_group.this["alb"].id &&
      aws_vpc_security_group_ingress_rule.alb_https[0].cidr_ipv4 == "0.0.0.0/0"
    )
    error_message = "the ALB's rule is the public entry point: 443 from 0.0.0.0/0 on the ALB's group, and the only one"
  }
  # network/no-open-ingress and network/no-ssh, on every ingress rule's own attributes.
  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.between_groups), aws_vpc_security_group_ingress_rule.alb_https) :
      !contains(["0.0.0.0/0", "::/0"], coalesce(r.cidr_ipv4, r.cidr_ipv6, "none")) || (
        r.ip_protocol == "tcp" && r.from_port == 443 && r.to_port == 443 && r.security_group_id == aws_security_group.this["alb"].id
      )
    ])
    error_message = "network/no-open-ingress: a rule admits 0.0.0.0/0 or ::/0 on something other than 443/tcp of the ALB's group"
  }
  assert {
    condition = alltrue([
      for r in concat(values(aws_vpc_security_group_ingress_rule.between_groups), aws_vpc_security_group_ingress_rule.alb_https) :
      r.ip_protocol != "-1" && !(coalesce(r.from_port, 0) <= 22 && coalesce(r.to_port, 65535) >= 22)
    ])
    error_message = "network/no-ssh: a rule opens port 22 (or every port); administrators use SSM Session Manager"
  }
  assert {
    condition     = alltrue([for g in aws_security_group.this : length(g.ingress) == 0])
    error_message = "network/no-open-ingress: rules are separate resources; no group may carry inline ingress"
  }
}

run "without_a_vpc_only_keys" {
  command = apply
  module {
    source = "./modules/security"
  }
  variables {
    create_security_groups = false
    vpc_id                 = null
  }

  assert {
    condition     = length(aws_security_group.this) == 0 && length(aws_kms_key.this) == 4
    error_message = "create_security_groups = false must still create the keys and no group"
  }
}

run "only_the_named_trail_may_encrypt_with_the_logs_key" {
  command = apply
  module {
    source = "./modules/security"
  }
  variables {
    cloudtrail_arns = ["arn:aws:cloudtrail:eu-west-1:333333333333:trail/quantumvest-prod-audit"]
  }

  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.key["logs"].statement : [
      for c in s.condition : c.values if c.variable == "aws:SourceArn"] if one(s.principals).identifiers == toset(["cloudtrail.amazonaws.com"])
    ])) == toset(["arn:aws:cloudtrail:eu-west-1:333333333333:trail/quantumvest-prod-audit"])
    error_message = "CloudTrail may use the logs key only for the named trail (aws:SourceArn)"
  }
  assert {
    condition     = alltrue([for k in ["data", "backup", "secrets"] : !anytrue([for s in data.aws_iam_policy_document.key[k].statement : one(s.principals).identifiers == toset(["cloudtrail.amazonaws.com"])])])
    error_message = "CloudTrail may use no other data class's key"
  }
}

run "without_a_trail_cloudtrail_gets_no_key" {
  command = apply
  module {
    source = "./modules/security"
  }

  assert {
    condition     = !anytrue([for s in data.aws_iam_policy_document.key["logs"].statement : one(s.principals).identifiers == toset(["cloudtrail.amazonaws.com"])])
    error_message = "no trail named, no CloudTrail statement in the logs key's policy"
  }
}
