variable "name" {
  description = "Name of the hosts' IAM role and instance profile, e.g. quantumvest-dev-primary-database."
  type        = string

  validation {
    # IAM role names allow 64 characters; instance profile names 128.
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "name must be a valid IAM role name (at most 64 characters)."
  }
}

variable "hostnames" {
  description = "Name tag of each instance, one instance per entry (the Ansible inventory hostnames)."
  type        = list(string)

  validation {
    condition     = length(distinct(var.hostnames)) == length(var.hostnames)
    error_message = "hostnames must be distinct."
  }
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must look like t3.medium."
  }
}

variable "volume_gb" {
  description = "Size of the encrypted gp3 root volume."
  type        = number

  validation {
    condition     = var.volume_gb >= 8
    error_message = "volume_gb must be at least 8."
  }
}

variable "subnet_ids" {
  description = "Private subnets; instances are spread over them round-robin (one AZ each)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "At least one subnet is needed."
  }
}

variable "security_group_id" {
  description = "Security group of the hosts' tier."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key (data class data) of the EBS volumes."
  type        = string

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a key ARN: volumes are encrypted with a customer-managed key."
  }
}

variable "ami" {
  description = "Image lookup: owners and name pattern (Debian 12 by default)."
  type = object({
    owners       = list(string)
    name_pattern = string
  })
  default = {
    owners       = ["136693071363"] # Debian
    name_pattern = "debian-12-amd64-*"
  }
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "policy_json" {
  description = "The role's inline least-privilege policy (JSON), besides SSM."
  type        = string

  validation {
    condition     = can(jsondecode(var.policy_json))
    error_message = "policy_json must be a JSON policy document."
  }
}

variable "detailed_monitoring" {
  description = "EC2 detailed (1-minute) monitoring; the status-check alarms rely on it. Off only on the emulator, which cannot enable it."
  type        = bool
  default     = true
}

variable "instance_tags" {
  description = "Tags on the instances only (the inventory groups on them, e.g. qv:role)."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
