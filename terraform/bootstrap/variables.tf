variable "environment" {
  description = "Environment whose state bucket to create (environments/<environment>.yaml)."
  type        = string

  validation {
    # An environment is any environments/<name>.yaml: adding one needs no change here.
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.environment)) ? fileexists("${path.module}/../../environments/${var.environment}.yaml") : false
    error_message = "environment must be a lowercase name (letters, digits, dashes; at most 31 characters) with a spec environments/<environment>.yaml."
  }
}

variable "aws_endpoint_url" {
  description = "Send every AWS call to this endpoint (the emulator); null for real AWS."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose workflows plan, apply and release this environment (OIDC roles, docs/pipeline.md); null makes no CI roles."
  type        = string
  default     = null
}

variable "github_oidc_provider_arn" {
  description = "GitHub's OIDC provider when this account already has one (another environment's bootstrap made it); null creates it."
  type        = string
  default     = null
}
