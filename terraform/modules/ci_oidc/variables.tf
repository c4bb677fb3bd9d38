variable "name" {
  description = "Prefix of the roles' names (<project>-<environment>)."
  type        = string
}

variable "github_repository" {
  description = "The GitHub repository (owner/name) whose workflows may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_environment" {
  description = "The GitHub environment (with required reviewers) whose jobs may assume the apply and release roles."
  type        = string
}

variable "oidc_provider_arn" {
  description = "GitHub's OIDC provider when the account already has one (an account holds it once); null creates it."
  type        = string
  default     = null
}

variable "state_bucket_arn" {
  description = "The Terraform state bucket the plan role reads (and locks: the lock is an object beside the state)."
  type        = string
}

variable "state_kms_key_arn" {
  description = "The state bucket's KMS key."
  type        = string
}

variable "eks_cluster_arns" {
  description = "The clusters whose endpoints the release role may look up (aws eks update-kubeconfig)."
  type        = list(string)
  default     = []
}
