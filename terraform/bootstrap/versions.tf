terraform {
  required_version = ">= 1.11.0, < 1.12.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
  # Local state on purpose: this root creates the bucket every other state lives in.
  # Keep terraform.tfstate of this folder safe (it holds no secrets), or migrate it into
  # the bucket afterwards with `terraform init -migrate-state`.
}
