variable "name" {
  description = "Prefix of bucket names, e.g. quantumvest-dev; the account ID is appended for global uniqueness."
  type        = string
}

variable "account_id" {
  description = "AWS account ID, appended to bucket names."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "buckets" {
  description = "Buckets to create, keyed by purpose. Each names its KMS data class and how long old versions live."
  type = map(object({
    kms_class                          = string
    noncurrent_version_expiration_days = number
    current_version_expiration_days    = optional(number)
    transition_to_ia_days              = optional(number)
  }))
  default = {
    backup    = { kms_class = "backup", noncurrent_version_expiration_days = 30 }
    logs      = { kms_class = "logs", noncurrent_version_expiration_days = 30, current_version_expiration_days = 365, transition_to_ia_days = 30 }
    artifacts = { kms_class = "data", noncurrent_version_expiration_days = 90 }
  }

  validation {
    condition     = alltrue([for b in values(var.buckets) : contains(["data", "backup", "logs", "secrets"], b.kms_class)])
    error_message = "kms_class must be one of data, backup, logs, secrets."
  }
}

variable "kms_key_arns" {
  description = "Primary-region KMS key ARN per data class."
  type        = map(string)
}

variable "dr_kms_key_arns" {
  description = "DR-region KMS key ARN per data class (replica encryption)."
  type        = map(string)
  default     = {}
}

variable "replication_enabled" {
  description = "Replicate every bucket to a twin in the DR region."
  type        = bool
  default     = true
}

variable "lifecycle_enabled" {
  description = "Manage lifecycle configurations (off only on the emulator, where each costs ~55 s)."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Allow destroy of non-empty buckets (disposable environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "tls_only" {
  description = "Deny requests without TLS on every bucket (off only on the emulator: it cannot evaluate aws:SecureTransport and denies everything)."
  type        = bool
  default     = true
}
