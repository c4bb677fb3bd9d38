variable "name" {
  description = "Prefix of resource names, e.g. quantumvest-dev (the trail is <name>-audit)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,39}$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account ID: the trail's ARN and the log files' prefix (AWSLogs/<account>/) name it."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "kms_key_arn" {
  description = "The environment's customer-managed logs key (in the trail's region): log files, the bucket and the log group. Its policy must let CloudTrail and CloudWatch Logs use it (modules/security)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "data_bucket_arns" {
  description = "ARNs of the platform's data buckets (backups, logs, artifacts and their DR twins, in any region): every object read and write in them is a data event of the trail."
  type        = list(string)

  validation {
    condition     = length(var.data_bucket_arns) >= 1 && alltrue([for arn in var.data_bucket_arns : can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]+$", arn))])
    error_message = "data_bucket_arns must list at least one bucket ARN (arn:aws:s3:::<bucket>, no object path)."
  }
}

variable "log_retention_days" {
  description = "Retention of the trail's CloudWatch log group (the platform's log_retention_days)."
  type        = number

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "log_file_retention_days" {
  description = "Days the trail's log files stay in the bucket."
  type        = number
  default     = 365

  validation {
    condition     = var.log_file_retention_days >= 90
    error_message = "log_file_retention_days must be at least 90: an investigation needs the trail of the past quarter."
  }
}

variable "force_destroy" {
  description = "Allow destroy of the non-empty log bucket (disposable environments only)."
  type        = bool
  default     = false
}

variable "lifecycle_enabled" {
  description = "Manage the log bucket's lifecycle (off only on the emulator, where it costs ~55 s)."
  type        = bool
  default     = true
}

variable "tls_only" {
  description = "Deny requests to the log bucket without TLS (off only on the emulator, which cannot evaluate aws:SecureTransport)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
