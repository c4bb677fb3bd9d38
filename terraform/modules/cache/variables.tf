variable "name" {
  description = "Replication group ID, e.g. quantumvest-dev-primary."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must start with a letter and be at most 40 lowercase letters, digits or dashes."
  }
}

variable "node_type" {
  description = "Cache node type (spec: cache.node_type)."
  type        = string

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type (cache.*)."
  }
}

variable "replicas" {
  description = "Read replicas besides the primary (spec: cache.replicas); at least one, for Multi-AZ automatic failover."
  type        = number

  validation {
    condition     = var.replicas >= 1 && var.replicas <= 5
    error_message = "replicas must be between 1 and 5: the cache is Multi-AZ with automatic failover."
  }
}

variable "engine_version" {
  description = "Redis engine version."
  type        = string
  default     = "7.1"
}

variable "subnet_ids" {
  description = "Private data subnets."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the cache tier."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key (data class data) for encryption at rest."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the slow-log group."
  type        = string
}

variable "auth_token" {
  description = "Redis AUTH token: the password of the redis/auth secret in Secrets Manager."
  type        = string
  sensitive   = true

  validation {
    # ElastiCache's rules for AUTH tokens.
    condition     = length(var.auth_token) >= 16 && length(var.auth_token) <= 128
    error_message = "auth_token must be 16 to 128 characters."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots (the cache is rebuildable; snapshots only shorten a cold start)."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
