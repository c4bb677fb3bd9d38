variable "name" {
  description = "Prefix of every resource name, e.g. quantumvest-dev-primary."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]{3,40}$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits or dashes."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "availability_zones" {
  description = "Availability zones, one subnet of each tier per zone."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2
    error_message = "At least two availability zones are needed for high availability."
  }
}

variable "public_subnets" {
  description = "CIDRs of the public subnets (load balancers, NAT gateways), one per AZ."
  type        = list(string)
}

variable "private_app_subnets" {
  description = "CIDRs of the private application subnets (EKS nodes), one per AZ."
  type        = list(string)
}

variable "private_data_subnets" {
  description = "CIDRs of the private data subnets (database hosts, cache, OpenSearch), one per AZ."
  type        = list(string)
}

variable "nat" {
  description = "NAT gateways: none, single (one shared) or per_az (one per availability zone, for zone-independent egress)."
  type        = string
  default     = "single"

  validation {
    condition     = contains(["none", "single", "per_az"], var.nat)
    error_message = "nat must be one of none, single, per_az."
  }
}

variable "flow_log_kms_key_arn" {
  description = "KMS key that encrypts the VPC's log groups (flow logs and DNS query logs)."
  type        = string
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC's log groups (flow logs and DNS query logs), in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention CloudWatch Logs accepts."
  }
}

variable "dns_query_logging_enabled" {
  description = "Log the VPC's DNS queries (Route 53 Resolver query logging) to a KMS-encrypted log group. Off where nothing resolves names in the VPC (locally) and on the emulator, which cannot disassociate or delete a query log config."
  type        = bool
  default     = true
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints (private DNS), e.g. ssm, secretsmanager, kms."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
