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

variable "app_user_name" {
  description = "The RBAC user the API connects as, with IAM authentication (its IRSA role may elasticache:Connect as it)."
  type        = string

  validation {
    # IAM users: user_id == user_name, which ElastiCache limits to these characters.
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.app_user_name)) && !strcontains(var.app_user_name, "--") && !endswith(var.app_user_name, "-")
    error_message = "app_user_name must be 1-40 lowercase letters, digits or single dashes, starting with a letter."
  }
}

variable "app_access_string" {
  description = "Redis ACL of the API's user: the commands it runs (GET, SET with EX, DEL, PING) on any key."
  type        = string
  default     = "on ~* -@all +get +set +del +ping"
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
