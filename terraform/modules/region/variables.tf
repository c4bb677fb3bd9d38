variable "name" {
  description = "Prefix of every resource name in this region, e.g. quantumvest-dev-primary."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,39}$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region_role" {
  description = "primary or dr: which of the environment's two regions this is (tag qv:region-role of the hosts; the DR database cluster is a Patroni standby cluster)."
  type        = string

  validation {
    condition     = contains(["primary", "dr"], var.region_role)
    error_message = "region_role must be primary or dr."
  }
}

variable "environment" {
  description = "Environment name (tag qv:environment of the hosts, for the Ansible inventory)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.environment))
    error_message = "environment must be a lowercase name of at most 31 characters."
  }
}

variable "account_id" {
  description = "AWS account that owns the KMS keys (its root principal administers them)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "cloud" {
  description = "Build the cloud slice (security groups, interface endpoints, EKS, database hosts, cache); false for the local environment, which needs only keys and, in the primary region, the network."
  type        = bool

  validation {
    condition     = !var.cloud || (var.network != null && var.kubernetes != null)
    error_message = "A cloud region needs its network and its kubernetes settings."
  }
}

variable "network" {
  description = "The spec's network of this region (network.primary or network.dr); null builds no network (the local environment's DR region)."
  type = object({
    vpc_cidr           = string
    availability_zones = list(string)
    nat                = string
    subnets = object({
      public       = list(string)
      private_app  = list(string)
      private_data = list(string)
    })
  })
  default = null
}

variable "app_port" {
  description = "Port the application listens on (spec: application.port); the security groups open it from the load balancer."
  type        = number

  validation {
    condition     = var.app_port >= 1024 && var.app_port <= 65535
    error_message = "app_port must be an unprivileged port (1024-65535)."
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

variable "log_retention_days" {
  description = "Retention of the region's CloudWatch log groups (flow logs, EKS control plane)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts."
  }
}

variable "kubernetes" {
  description = "The spec's kubernetes block: control-plane version and managed node groups (cloud only)."
  type = object({
    version = string
    node_groups = list(object({
      name           = string
      instance_types = list(string)
      min_size       = number
      desired_size   = number
      max_size       = number
    }))
  })
  default = null

  validation {
    condition     = var.kubernetes == null || can(regex("^1\\.[0-9]+$", var.kubernetes.version))
    error_message = "kubernetes.version must look like 1.31."
  }
}

variable "irsa_role_name_prefix" {
  description = "Name prefix of the IRSA roles (<prefix><serviceaccount>); used only with irsa. A plain argument, so qvctl's cross-layer check can read it."
  type        = string
  default     = ""
}

variable "irsa" {
  description = "IAM roles for service accounts, created by this region's cluster and trusted by the other region's too (IAM is global: exactly one region gets them); null creates none."
  type = object({
    additional_oidc_providers = list(object({
      arn         = string
      issuer_host = string
    }))
    service_accounts = map(object({
      namespace = string
      statements = list(object({
        sid       = string
        effect    = optional(string, "Allow")
        actions   = list(string)
        resources = list(string)
      }))
    }))
  })
  default = null
}

variable "database_hosts" {
  description = "This region's Patroni cluster, a spec host group (count, instance_type, volume_gb); null or count 0 builds none."
  type = object({
    count         = number
    instance_type = optional(string)
    volume_gb     = optional(number)
  })
  default = null

  validation {
    condition     = var.database_hosts == null ? true : var.database_hosts.count >= 0 && (var.database_hosts.count == 0 || (var.database_hosts.instance_type != null && var.database_hosts.volume_gb != null))
    error_message = "database_hosts needs instance_type and volume_gb when count > 0."
  }
}

variable "database_access" {
  description = "What the database hosts' role may use: pgBackRest buckets and their keys, secrets and their keys (ARNs or ARN patterns, both regions)."
  type = object({
    backup_bucket_arns   = list(string)
    backup_kms_key_arns  = list(string)
    secret_arns          = list(string)
    secrets_kms_key_arns = list(string)
  })
  default = {
    backup_bucket_arns   = []
    backup_kms_key_arns  = []
    secret_arns          = []
    secrets_kms_key_arns = []
  }
}

variable "host_ami" {
  description = "Image lookup of the EC2 hosts: owners and name pattern."
  type = object({
    owners       = list(string)
    name_pattern = string
  })
  default = {
    owners       = ["136693071363"] # Debian
    name_pattern = "debian-12-amd64-*"
  }
}

variable "detailed_monitoring" {
  description = "EC2 detailed monitoring of the hosts (off only on the emulator, which cannot enable it)."
  type        = bool
  default     = true
}

variable "cache" {
  description = "ElastiCache Redis of this region: whether to build it, node type and replica count (spec: cache), the API's user."
  type = object({
    enabled   = bool
    node_type = optional(string)
    replicas  = optional(number)
    # The RBAC user the API connects as (IAM authentication).
    app_user = optional(string)
  })
  default = { enabled = false }

  validation {
    condition     = !var.cache.enabled || (var.cache.node_type != null && var.cache.replicas != null && var.cache.app_user != null)
    error_message = "An enabled cache needs node_type, replicas and app_user."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "eks_addons_enabled" {
  description = "Manage the EKS add-ons (VPC CNI with network policy enforcement); false only on the emulator."
  type        = bool
  default     = true
}

variable "dns_query_logging_enabled" {
  description = "Log the VPC's DNS queries (Route 53 Resolver query logging) in cloud environments. False only on the emulator, which cannot disassociate or delete a query log config."
  type        = bool
  default     = true
}

variable "audit_trail_arns" {
  description = "CloudTrail trails (ARNs) that may encrypt their log files with this region's logs key (modules/audit); empty in a region that holds no trail bucket."
  type        = list(string)
  default     = []
}
