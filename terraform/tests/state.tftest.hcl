# Offline: the state bucket is versioned and encrypted with its own CMK.
mock_provider "aws" {
  source = "./tests/mocks"
}

run "state_bucket_encrypted_with_its_key" {
  command = apply
  module {
    source = "./modules/state"
  }
  variables {
    name       = "quantumvest-prod"
    account_id = "333333333333"
  }

  assert {
    condition     = output.bucket == "quantumvest-prod-tfstate-333333333333"
    error_message = "the state bucket is <project>-<env>-tfstate-<account>"
  }
  assert {
    condition     = output.encryption.algorithm == "aws:kms" && output.encryption.kms_key_arn == aws_kms_key.state.arn
    error_message = "the state must be encrypted with the state CMK"
  }
  assert {
    condition     = aws_kms_key.state.enable_key_rotation
    error_message = "the state key must rotate"
  }
}
