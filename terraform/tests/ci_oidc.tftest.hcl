# Offline: GitHub's OIDC roles trust only the token subjects that may use them.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name               = "quantumvest-prod"
  github_repository  = "quantumvest/infrastructure"
  github_environment = "prod"
  state_bucket_arn   = "arn:aws:s3:::quantumvest-prod-tfstate-333333333333"
  state_kms_key_arn  = "arn:aws:kms:eu-west-1:333333333333:key/state"
  eks_cluster_arns   = ["arn:aws:eks:eu-west-1:333333333333:cluster/quantumvest-prod-eks-cluster"]
}

run "roles_trust_only_their_subjects" {
  command = apply
  module {
    source = "./modules/ci_oidc"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "without a provider ARN the module creates GitHub's OIDC provider"
  }
  assert {
    condition     = jsondecode(aws_iam_role.this["apply"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:quantumvest/infrastructure:environment:prod"]
    error_message = "the apply role must trust only jobs of the prod GitHub environment"
  }
  assert {
    condition     = jsondecode(aws_iam_role.this["release"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:quantumvest/infrastructure:environment:prod"]
    error_message = "the release role must trust only jobs of the prod GitHub environment"
  }
  assert {
    condition = toset(jsondecode(aws_iam_role.this["plan"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]) == toset([
      "repo:quantumvest/infrastructure:pull_request", "repo:quantumvest/infrastructure:ref:refs/heads/main",
    ])
    error_message = "the plan role trusts pull requests and main, nothing else"
  }
  assert {
    condition     = alltrue([for role in aws_iam_role.this : jsondecode(role.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"])
    error_message = "every role requires the STS audience"
  }
  assert {
    condition     = aws_iam_role_policy_attachment.plan_read_only.policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    error_message = "the plan role reads, it does not change"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.plan_state.policy).Statement : s if contains(s.Action, "s3:PutObject") && s.Resource != "${var.state_bucket_arn}/*.tflock"]) == 0
    error_message = "the plan role may write only the state's lock objects"
  }
}

run "an_existing_provider_is_reused" {
  command = plan
  module {
    source = "./modules/ci_oidc"
  }
  variables {
    oidc_provider_arn = "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && output.oidc_provider_arn == var.oidc_provider_arn
    error_message = "an account holds GitHub's provider once: a given one is reused, not created"
  }
}

run "a_repository_must_be_owner_and_name" {
  command = plan
  module {
    source = "./modules/ci_oidc"
  }
  variables {
    github_repository = "infrastructure"
  }
  expect_failures = [var.github_repository]
}
