variable "name" {
  description = "Prefix of resource names, e.g. quantumvest-dev-primary."
  type        = string
}

variable "environment" {
  description = "Environment name (tag qv:environment, used by the Ansible inventory)."
  type        = string
}

variable "region_role" {
  description = "primary or dr: the DR cluster runs as a Patroni standby cluster following the primary."
  type        = string

  validation {
    condition     = contains(["primary", "dr"], var.region_role)
    error_message = "region_role must be primary or dr."
  }
}

variable "host_count" {
  description = "Number of Patroni + etcd nodes: odd in the primary cluster, whose etcd majority elects the leader; the DR standby cluster only follows the primary and may be smaller (spec: hosts.database_dr)."
  type        = number

  validation {
    condition     = var.host_count >= 1 && (var.region_role == "dr" || var.host_count % 2 == 1)
    error_message = "host_count must be at least 1, and odd in the primary cluster (etcd needs a majority)."
  }
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
}

variable "volume_gb" {
  description = "Size of the encrypted root volume (database data lives on it)."
  type        = number

  validation {
    condition     = var.volume_gb >= 20
    error_message = "volume_gb must be at least 20."
  }
}

variable "subnet_ids" {
  description = "Private data subnets; hosts are spread over them round-robin (one AZ each)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the database tier."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key (data class data) of the EBS volumes."
  type        = string
}

variable "ami" {
  description = "Image lookup: owners and name pattern (Debian 12 by default: its packages carry Patroni, etcd, pgBackRest)."
  type = object({
    owners       = list(string)
    name_pattern = string
  })
  default = {
    owners       = ["136693071363"] # Debian
    name_pattern = "debian-12-amd64-*"
  }
}

variable "backup_bucket_arns" {
  description = "pgBackRest repository buckets the hosts read and write."
  type        = list(string)
}

variable "backup_kms_key_arns" {
  description = "KMS keys of the backup buckets."
  type        = list(string)
}

variable "secret_arns" {
  description = "Secrets the hosts read at configuration time (database credentials); ARNs or ARN patterns of named secrets."
  type        = list(string)
}

variable "secrets_kms_key_arns" {
  description = "KMS keys that decrypt those secrets."
  type        = list(string)
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "detailed_monitoring" {
  description = "EC2 detailed (1-minute) monitoring; the status-check alarms rely on it. Off only on the emulator, which cannot enable it."
  type        = bool
  default     = true
}
