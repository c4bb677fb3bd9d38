terraform {
  # 1.11 brings write-only arguments, which keep generated secrets out of state.
  required_version = ">= 1.11.0, < 1.12.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }

  # Partial configuration: env/<env>.tfbackend supplies bucket, key, region and locking.
  backend "s3" {}
}
