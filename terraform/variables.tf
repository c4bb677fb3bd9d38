# Only what is Terraform's alone lives here; everything about the environment comes from
# environments/<environment>.yaml.

variable "environment" {
  description = "Environment name; environments/<environment>.yaml is the source of truth."
  type        = string

  validation {
    # An environment is any environments/<name>.yaml: adding one needs no change here.
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.environment)) ? fileexists("${path.module}/../environments/${var.environment}.yaml") : false
    error_message = "environment must be a lowercase name (letters, digits, dashes; at most 31 characters) with a spec environments/<environment>.yaml."
  }
}

variable "aws_endpoint_url" {
  description = "Send every AWS API call to this endpoint (the local emulator, e.g. http://127.0.0.1:5000); null for real AWS."
  type        = string
  default     = null

  validation {
    condition     = var.aws_endpoint_url == null || can(regex("^https?://", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be an http(s) URL or null."
  }
}

variable "s3_lifecycle_enabled" {
  description = "Manage S3 lifecycle rules. Off only on the emulator, where the provider waits ~55 s per bucket for them."
  type        = bool
  default     = true
}

variable "s3_tls_only" {
  description = "A bucket policy on every bucket that denies requests without TLS. Off only on the emulator: moto cannot evaluate aws:SecureTransport and denies every request (the local clients reach it through its TLS front anyway)."
  type        = bool
  default     = true
}

variable "cache_enabled" {
  description = "Create the ElastiCache Redis replication group (the emulator cannot: plan and mock tests only there)."
  type        = bool
  default     = true
}

variable "opensearch_enabled" {
  description = "Create the OpenSearch domain (the emulator never finishes creating one: plan and mock tests only there)."
  type        = bool
  default     = true
}

variable "private_dns_enabled" {
  description = "Create the private zone internal.<domain> in both VPCs (the emulator cannot: it makes a zone created with a VPC public unless the request says PrivateZone, which the provider does not send; plan and mock tests only there)."
  type        = bool
  default     = true
}

variable "dns_query_logging_enabled" {
  description = "Log each cloud VPC's DNS queries (Route 53 Resolver query logging). Off only on the emulator: it creates and associates a query log config but cannot disassociate or delete one, so nothing would destroy."
  type        = bool
  default     = true
}

variable "ec2_detailed_monitoring" {
  description = "EC2 detailed monitoring of the hosts (the emulator cannot enable it: its tests turn it off)."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Allow destroying non-empty buckets (disposable environments only)."
  type        = bool
  default     = false
}

variable "secret_recovery_window_days" {
  description = "Recovery window of deleted secrets (0 for disposable environments)."
  type        = number
  default     = 30
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a scheduled KMS key deletion."
  type        = number
  default     = 30
}

variable "secret_value_version" {
  description = "Bump to regenerate the generated credentials (write-only, never in state) and re-run Ansible to apply them; the backup passphrase is written once."
  type        = number
  default     = 1
}

variable "secret_replicas_enabled" {
  description = "Replicate the secrets to the DR region. Off on the emulator, which drops the replica's KMS key and so never converges."
  type        = bool
  default     = true
}

variable "s3_replication_enabled" {
  description = "Replicate every bucket to the DR region. Off on the emulator, which drops delete-marker replication and SSE-KMS source selection, so the plan never converges."
  type        = bool
  default     = true
}

variable "host_ami" {
  description = "Image lookup for the EC2 hosts (Debian 12: its packages carry Patroni, etcd, pgBackRest). The emulator test overrides it with an image the emulator has."
  type = object({
    owners       = list(string)
    name_pattern = string
  })
  default = {
    owners       = ["136693071363"] # Debian
    name_pattern = "debian-12-amd64-*"
  }
}

variable "alb_deletion_protection" {
  description = "Protect the load balancers from deletion."
  type        = bool
  default     = true
}

variable "wait_for_certificate" {
  description = "Wait for DNS validation of the ACM certificates (true once the zone is delegated from the parent domain)."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group (flow logs, EKS, OpenSearch, platform)."
  type        = number
  default     = 365
}

variable "generate_secret_values" {
  description = "Generate and write the secret values. Always true in use; false only in offline tests (Terraform 1.11 mock providers cannot run the ephemeral generator)."
  type        = bool
  default     = true
}

variable "environment_ca_certificate_file" {
  description = "Path of the environment CA certificate (PEM) to publish as <project>/<env>/pki/ca for the pods; `qvctl up` passes its own CA (.qv/<env>/pki/ca.crt). Null leaves that secret empty."
  type        = string
  default     = null
}

variable "eks_addons_enabled" {
  description = "Manage the EKS add-ons (the VPC CNI with network policy enforcement). False only on the emulator, which has no add-on API."
  type        = bool
  default     = true
}
