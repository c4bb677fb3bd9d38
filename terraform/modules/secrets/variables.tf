variable "project" {
  description = "Project name, the first part of every secret name."
  type        = string
}

variable "environment" {
  description = "Environment name, the second part of every secret name."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key (data class secrets) that encrypts the secrets."
  type        = string
}

variable "dr_region" {
  description = "Region the secrets are replicated to (null: no replica)."
  type        = string
  default     = null
}

variable "dr_kms_key_arn" {
  description = "KMS key in the DR region for the replicas."
  type        = string
  default     = null
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once: disposable environments only)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "password_length" {
  description = "Length of generated passwords."
  type        = number
  default     = 40

  validation {
    condition     = var.password_length >= 24 && var.password_length <= 128
    error_message = "password_length must be between 24 and 128 (ElastiCache tokens allow at most 128)."
  }
}

variable "value_version" {
  description = "Bump to generate and write new values (write-only, never stored in state), then re-run Ansible to apply them; the backup passphrase is never rewritten."
  type        = number
  default     = 1
}

variable "rotation_lambda_arn" {
  description = "Rotation function for the database app credentials (null: rotation by bumping value_version and re-running Ansible)."
  type        = string
  default     = null
}

variable "rotation_days" {
  description = "Rotation interval when a rotation function is given."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "generate_values" {
  description = "Generate and write the values (always true in use; false only where ephemeral resources cannot run, e.g. mock-provider tests)."
  type        = bool
  default     = true
}


variable "ca_certificate_pem" {
  description = "The environment CA certificate (PEM), published as <project>/<env>/pki/ca; null leaves that secret without a value."
  type        = string
  default     = null

  validation {
    condition     = var.ca_certificate_pem == null || startswith(trimspace(coalesce(var.ca_certificate_pem, "-")), "-----BEGIN CERTIFICATE-----")
    error_message = "ca_certificate_pem must be a PEM certificate (-----BEGIN CERTIFICATE-----), never a key."
  }
}

variable "ca_required" {
  description = "Whether pods read the published CA (a cloud environment): without one the plan warns. The local platform has no pods."
  type        = bool
  default     = true
}

variable "cache_url_published" {
  description = "Whether a cache exists whose URL to publish as <project>/<env>/cache/endpoint (known at plan time, unlike the URL)."
  type        = bool
  default     = false
}

variable "cache_url" {
  description = "The cache's rediss://<endpoint>:<port>/0 URL (the endpoint's own name, which its certificate carries); used when cache_url_published."
  type        = string
  default     = null

  validation {
    condition     = var.cache_url == null || startswith(coalesce(var.cache_url, "-"), "rediss://") && !strcontains(coalesce(var.cache_url, "-"), "@")
    error_message = "cache_url must be rediss://host:port/db without credentials."
  }
}

variable "logs_endpoint_published" {
  description = "Whether an OpenSearch domain exists whose endpoint to publish as <project>/<env>/logs/endpoint (known at plan time, unlike the endpoint)."
  type        = bool
  default     = false
}

variable "logs_endpoint" {
  description = "The OpenSearch domain's endpoint name (vpc-<domain>-<id>.<region>.es.amazonaws.com: the name its certificate carries, no scheme, port or path); used when logs_endpoint_published."
  type        = string
  default     = null

  validation {
    condition     = var.logs_endpoint == null || can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", coalesce(var.logs_endpoint, "-")))
    error_message = "logs_endpoint must be a bare host name (the domain's endpoint), without scheme, credentials, port or path."
  }
}
