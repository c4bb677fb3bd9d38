variable "name" {
  description = "Prefix of resource names, e.g. quantumvest-dev-primary."
  type        = string
}

variable "environment" {
  description = "Environment name (tag qv:environment for the Ansible inventory)."
  type        = string
}

variable "opensearch_domain_name" {
  description = "Name of the OpenSearch domain (at most 28 characters; the root derives IAM policies from it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,27}$", var.opensearch_domain_name))
    error_message = "opensearch_domain_name must be 3-28 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account ID (ARNs of the OpenSearch domain and log groups)."
  type        = string
}

variable "host" {
  description = "The Prometheus/Alertmanager/Grafana host (spec: hosts.observability)."
  type = object({
    instance_type = string
    volume_gb     = number
  })
}

variable "ami" {
  description = "Image lookup for the host: owners and name pattern (Debian 12 by default)."
  type = object({
    owners       = list(string)
    name_pattern = string
  })
  default = {
    owners       = ["136693071363"]
    name_pattern = "debian-12-amd64-*"
  }
}

variable "subnet_ids" {
  description = "Private data subnets (host in the first, OpenSearch nodes across them)."
  type        = list(string)
}

variable "host_security_group_id" {
  description = "Security group of the observability host."
  type        = string
}

variable "opensearch_security_group_id" {
  description = "Security group of the OpenSearch domain."
  type        = string
}

variable "data_kms_key_arn" {
  description = "KMS key for the host volume and OpenSearch at rest."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key for the CloudWatch log groups and the alarm topic."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups."
  type        = number
  default     = 365
}

variable "opensearch" {
  description = "OpenSearch domain size."
  type = object({
    engine_version       = optional(string, "OpenSearch_2.17")
    instance_type        = optional(string, "r6g.large.search")
    instance_count       = optional(number, 3)
    master_instance_type = optional(string, "m6g.large.search")
    volume_gb            = optional(number, 100)
  })
  default = {}

  validation {
    condition     = var.opensearch.instance_count >= 2
    error_message = "OpenSearch needs at least two data nodes for zone awareness."
  }
}

variable "log_writer_role_arns" {
  description = "IAM roles allowed to write to OpenSearch (Fluent Bit, host shippers)."
  type        = list(string)
  default     = []
}

variable "monitored_instances" {
  description = "EC2 instances that get a status-check alarm, name => instance ID."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "opensearch_enabled" {
  description = "Create the OpenSearch domain (the emulator never finishes creating one: plan and mock tests only there)."
  type        = bool
  default     = true
}

variable "detailed_monitoring" {
  description = "EC2 detailed (1-minute) monitoring; the status-check alarms rely on it. Off only on the emulator, which cannot enable it."
  type        = bool
  default     = true
}

variable "readable_secret_arns" {
  description = "Secrets the observability host reads (Grafana's admin password, the alert receivers' webhook URLs and SMTP credentials)."
  type        = list(string)
  default     = []
}

variable "secrets_kms_key_arns" {
  description = "KMS keys that encrypt those secrets (kms:Decrypt for the host)."
  type        = list(string)
  default     = []
}
