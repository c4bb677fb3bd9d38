# Offline: a private, encrypted, fully logged cluster, and IAM roles for service accounts
# whose policies name their resources.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                   = "qv-test-primary"
  kubernetes_version     = "1.31"
  subnet_ids             = ["subnet-a", "subnet-b", "subnet-c"]
  node_security_group_id = "sg-app"
  secrets_kms_key_arn    = "arn:aws:kms:eu-west-1:333333333333:key/secrets"
  logs_kms_key_arn       = "arn:aws:kms:eu-west-1:333333333333:key/logs"
  volumes_kms_key_arn    = "arn:aws:kms:eu-west-1:333333333333:key/data"
  node_groups            = [{ name = "app", instance_types = ["m6i.large"], min_size = 3, desired_size = 3, max_size = 9 }]
  irsa_role_name_prefix  = "quantumvest-prod-irsa-"
  service_accounts = {
    api = {
      namespace  = "quantumvest"
      statements = [{ sid = "ReadOwnSecrets", actions = ["secretsmanager:GetSecretValue"], resources = ["arn:aws:secretsmanager:*:333333333333:secret:quantumvest/prod/database/app-*"] }]
    }
    backup = {
      namespace  = "quantumvest"
      statements = [{ sid = "Backups", actions = ["s3:GetObject", "s3:PutObject"], resources = ["arn:aws:s3:::quantumvest-prod-backup-333333333333/*"] }]
    }
  }
}

run "private_encrypted_logged_cluster" {
  command = apply
  module {
    source = "./modules/eks"
  }

  assert {
    condition     = !aws_eks_cluster.this.vpc_config[0].endpoint_public_access && aws_eks_cluster.this.vpc_config[0].endpoint_private_access
    error_message = "the API endpoint must be private only"
  }
  assert {
    condition     = one(aws_eks_cluster.this.encryption_config).provider[0].key_arn == var.secrets_kms_key_arn && contains(one(aws_eks_cluster.this.encryption_config).resources, "secrets")
    error_message = "Kubernetes secrets must be envelope-encrypted with the secrets CMK"
  }
  assert {
    condition     = aws_cloudwatch_log_group.cluster.kms_key_id == var.logs_kms_key_arn
    error_message = "encryption-at-rest/customer-managed-key: the control-plane log group must be encrypted with the logs CMK"
  }
  assert {
    condition     = length(aws_eks_cluster.this.enabled_cluster_log_types) == 5
    error_message = "every control-plane log type must be enabled"
  }
  assert {
    condition     = aws_eks_node_group.this["app"].scaling_config[0].min_size == 3
    error_message = "node groups come from the spec"
  }
}

run "irsa_roles_follow_the_contract_and_name_their_resources" {
  command = apply
  module {
    source = "./modules/eks"
  }

  assert {
    condition     = aws_iam_role.irsa["api"].name == "quantumvest-prod-irsa-api" && aws_iam_role.irsa["backup"].name == "quantumvest-prod-irsa-backup"
    error_message = "role names must be <project>-<env>-irsa-<serviceaccount>"
  }
  assert {
    condition = alltrue(flatten([
      for d in data.aws_iam_policy_document.irsa : [for s in d.statement : !contains(s.resources, "*") && length(s.resources) > 0]
    ]))
    error_message = "every application role policy must name its resources"
  }
  assert {
    condition = alltrue(flatten([
      for d in data.aws_iam_policy_document.irsa : [for s in d.statement : alltrue([for a in s.actions : !strcontains(a, "*")])]
    ]))
    error_message = "no wildcard actions in application roles"
  }
}

# What the policy least-privilege/irsa-trusts-its-service-account promises, read from the roles'
# own trust documents: every statement (one per cluster, the DR cluster's too) names exactly
# its service account and the STS audience, under the issuer of the provider it trusts.
run "irsa_roles_trust_exactly_their_service_account" {
  command = apply
  module {
    source = "./modules/eks"
  }
  variables {
    additional_oidc_providers = [{
      arn         = "arn:aws:iam::333333333333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/DR"
      issuer_host = "oidc.eks.eu-central-1.amazonaws.com/id/DR"
    }]
    # A service account whose namespace differs from the application's, so a swap shows.
    service_accounts = {
      api              = { namespace = "quantumvest", statements = [] }
      external-secrets = { namespace = "external-secrets", statements = [] }
    }
  }

  assert {
    condition = toset(keys(aws_iam_role.irsa)) == toset(["api", "external-secrets"]) && alltrue([
      for role in aws_iam_role.irsa : toset([for s in jsondecode(role.assume_role_policy).Statement : s.Principal.Federated]) == toset([
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/MOCK",
        "arn:aws:iam::333333333333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/DR",
      ])
    ])
    error_message = "least-privilege/irsa-trusts-its-service-account: every IRSA role must trust the OIDC provider of each cluster, one statement each"
  }
  assert {
    condition = alltrue(flatten([
      for name, role in aws_iam_role.irsa : [
        for s in jsondecode(role.assume_role_policy).Statement :
        s.Action == "sts:AssumeRoleWithWebIdentity" && s.Effect == "Allow" && try(keys(s.Condition), []) == ["StringEquals"]
      ]
    ]))
    error_message = "least-privilege/irsa-trusts-its-service-account: IRSA trust must be an Allow of sts:AssumeRoleWithWebIdentity with StringEquals conditions only (no StringLike wildcards)"
  }
  assert {
    condition = alltrue(flatten([
      for name, role in aws_iam_role.irsa : [
        for s in jsondecode(role.assume_role_policy).Statement :
        try(s.Condition.StringEquals, null) == {
          "${split("oidc-provider/", s.Principal.Federated)[1]}:sub" = {
            api                = "system:serviceaccount:quantumvest:api"
            "external-secrets" = "system:serviceaccount:external-secrets:external-secrets"
          }[name]
          "${split("oidc-provider/", s.Principal.Federated)[1]}:aud" = "sts.amazonaws.com"
        }
      ]
    ]))
    error_message = "least-privilege/irsa-trusts-its-service-account: each IRSA role's <issuer>:sub must be exactly system:serviceaccount:<namespace>:<serviceaccount> and <issuer>:aud exactly sts.amazonaws.com"
  }
}

run "rejects_a_wildcard_resource_for_an_application_role" {
  command = plan
  module {
    source = "./modules/eks"
  }
  variables {
    service_accounts = {
      api = {
        namespace  = "quantumvest"
        statements = [{ sid = "TooBroad", actions = ["secretsmanager:GetSecretValue"], resources = ["*"] }]
      }
    }
  }
  expect_failures = [var.service_accounts]
}

run "nodes_require_imdsv2_one_hop_and_the_cni_enforces_network_policies" {
  command = apply
  module {
    source = "./modules/eks"
  }

  assert {
    condition     = aws_launch_template.node.metadata_options[0].http_tokens == "required" && aws_launch_template.node.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "node metadata must require IMDSv2 tokens with a hop limit of 1 (pods must not reach the node role)"
  }
  assert {
    condition     = one(aws_launch_template.node.block_device_mappings).ebs[0].encrypted == "true" && one(aws_launch_template.node.block_device_mappings).ebs[0].kms_key_id == var.volumes_kms_key_arn
    error_message = "node volumes must be encrypted with the data key, not the account's default"
  }
  assert {
    condition     = alltrue([for g in aws_eks_node_group.this : g.launch_template[0].id == aws_launch_template.node.id])
    error_message = "every node group must launch from the IMDSv2 launch template"
  }
  assert {
    condition     = aws_eks_addon.vpc_cni[0].addon_name == "vpc-cni" && jsondecode(aws_eks_addon.vpc_cni[0].configuration_values).enableNetworkPolicy == "true"
    error_message = "the VPC CNI add-on must enforce NetworkPolicies (enableNetworkPolicy)"
  }
}

run "a_role_without_statements_gets_no_policy" {
  command = apply
  module {
    source = "./modules/eks"
  }
  variables {
    service_accounts = {
      api = { namespace = "quantumvest", statements = [] }
    }
  }

  assert {
    condition     = aws_iam_role.irsa["api"].name == "quantumvest-prod-irsa-api" && length(aws_iam_role_policy.irsa) == 0
    error_message = "a service account that calls no AWS API keeps its role (the ServiceAccount names it) but gets no permission"
  }
}
