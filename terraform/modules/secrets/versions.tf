terraform {
  required_version = ">= 1.11.0, < 1.12.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
      # The password generator gets its own provider configuration only so that offline
      # tests can give it a real (never called) provider while everything else is mocked:
      # Terraform 1.11 mock providers cannot run ephemeral resources.
      configuration_aliases = [aws.generator]
    }
  }
}
