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
