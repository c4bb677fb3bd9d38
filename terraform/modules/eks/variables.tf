variable "name" {
  description = "Cluster name, e.g. quantumvest-dev-primary."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.31."
  }
}

variable "subnet_ids" {
  description = "Private application subnets for the control-plane ENIs and the nodes."
  type        = list(string)
}

variable "node_security_group_id" {
  description = "Security group of the application tier (nodes and pods)."
  type        = string
}

variable "secrets_kms_key_arn" {
  description = "KMS key for envelope encryption of Kubernetes secrets."
  type        = string
}

variable "volumes_kms_key_arn" {
  description = "KMS key of the nodes' EBS volumes (the data class: pods' scratch space and images)."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the control-plane log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the control-plane logs."
  type        = number
  default     = 365
}

variable "node_groups" {
  description = "Managed node groups (from the spec: kubernetes.node_groups)."
  type = list(object({
    name           = string
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  }))
  default = []

  validation {
    condition     = alltrue([for g in var.node_groups : g.min_size <= g.desired_size && g.desired_size <= g.max_size])
    error_message = "Each node group needs min_size <= desired_size <= max_size."
  }
}

variable "create_irsa_roles" {
  description = "Create the IAM roles for service accounts (IAM is global: only one cluster of an environment creates them)."
  type        = bool
  default     = true
}

variable "irsa_role_name_prefix" {
  description = "Role names are <prefix><serviceaccount>, e.g. quantumvest-dev-irsa-api."
  type        = string
  default     = ""
}

variable "additional_oidc_providers" {
  description = "OIDC providers of other clusters (the DR region) whose service accounts may assume the same roles."
  type = list(object({
    arn         = string
    issuer_host = string
  }))
  default = []
}

variable "service_accounts" {
  description = "Service accounts that get an IAM role: namespace and least-privilege statements (explicit actions and resources; effect Allow by default, Deny to carve a named resource out of a broader grant)."
  type = map(object({
    namespace = string
    statements = list(object({
      sid       = string
      effect    = optional(string, "Allow")
      actions   = list(string)
      resources = list(string)
    }))
  }))
  default = {}

  validation {
    condition = alltrue(flatten([
      for sa in values(var.service_accounts) : [
        for st in sa.statements : contains(["Allow", "Deny"], st.effect) && !contains(st.resources, "*") && alltrue([for a in st.actions : !endswith(a, "*")])
      ]
    ]))
    error_message = "Application roles must name their resources and actions: no \"*\" resource and no wildcard action; effect is Allow (default) or Deny."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "addons_enabled" {
  description = "Manage the EKS add-ons (VPC CNI with network policy enforcement). False only on the emulator, which has no add-on API."
  type        = bool
  default     = true
}
