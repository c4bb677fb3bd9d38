variable "name" {
  description = "Prefix, e.g. quantumvest-dev; the bucket is <name>-tfstate[-<account_id>]."
  type        = string
}

variable "account_id" {
  description = "AWS account ID, appended to the bucket name for global uniqueness (null: no suffix, e.g. on the emulator)."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying a non-empty state bucket (never for real environments)."
  type        = bool
  default     = false
}

variable "lifecycle_enabled" {
  description = "Manage the lifecycle rule (off only on the emulator)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
