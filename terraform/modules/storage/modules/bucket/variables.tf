variable "name" {
  description = "Globally unique bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for default encryption (SSE-KMS)."
  type        = string
}

variable "force_destroy" {
  description = "Allow destroy of a non-empty bucket (only for disposable environments)."
  type        = bool
  default     = false
}

variable "lifecycle_enabled" {
  description = "Manage a lifecycle configuration. Off only on the emulator, where the provider waits ~55 s for it."
  type        = bool
  default     = true
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which non-current object versions are removed."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "current_version_expiration_days" {
  description = "Days after which current objects expire; null keeps them (e.g. pgBackRest manages its own retention)."
  type        = number
  default     = null
}

variable "transition_to_ia_days" {
  description = "Days after which objects move to STANDARD_IA; null keeps them in STANDARD."
  type        = number
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "tls_only" {
  description = "Deny every request that does not use TLS (a bucket policy). Off only on the emulator, which cannot evaluate aws:SecureTransport and so denies every request."
  type        = bool
  default     = true
}

variable "policy_documents" {
  description = "IAM policy documents (JSON) merged into the bucket policy, e.g. the statements that let a service deliver to it."
  type        = list(string)
  default     = []
}
