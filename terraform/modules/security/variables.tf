variable "name" {
  description = "Prefix of every resource name, e.g. quantumvest-dev-primary."
  type        = string
}

variable "account_id" {
  description = "AWS account that owns the keys (its root principal administers them)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "key_deletion_window_days" {
  description = "Waiting period before a scheduled KMS key deletion takes effect."
  type        = number
  default     = 30

  validation {
    condition     = var.key_deletion_window_days >= 7 && var.key_deletion_window_days <= 30
    error_message = "key_deletion_window_days must be between 7 and 30."
  }
}

variable "create_security_groups" {
  description = "Create the tier security groups (needs vpc_id)."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "VPC the security groups belong to."
  type        = string
  default     = null
}

variable "vpc_cidr" {
  description = "CIDR of the VPC (the only source interface endpoints accept)."
  type        = string
  default     = null
}

variable "ports" {
  description = "Service ports the security groups open; they must equal the ports the services listen on."
  type = object({
    https         = optional(number, 443)
    app           = optional(number, 8000)
    postgres      = optional(number, 5432)
    patroni       = optional(number, 8008)
    etcd_client   = optional(number, 2379)
    etcd_peer     = optional(number, 2380)
    redis         = optional(number, 6379)
    node_exporter = optional(number, 9100)
    pg_exporter   = optional(number, 9187)
    prometheus    = optional(number, 9090)
  })
  default = {}
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "cloudtrail_arns" {
  description = "CloudTrail trails (ARNs, built from their names) that may encrypt their log files with the logs key; empty grants CloudTrail nothing."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.cloudtrail_arns : can(regex("^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:[0-9]{12}:trail/[A-Za-z0-9._-]+$", arn))])
    error_message = "cloudtrail_arns must be trail ARNs (arn:aws:cloudtrail:<region>:<account>:trail/<name>)."
  }
}
