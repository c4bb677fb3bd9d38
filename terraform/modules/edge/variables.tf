variable "name" {
  description = "Prefix of resource names, e.g. quantumvest-dev."
  type        = string
}

variable "domain" {
  description = "Public domain of the environment (spec: domain); its zone is delegated from the parent domain."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+\\.[a-z]+$", var.domain))
    error_message = "domain must be a DNS name."
  }
}

variable "primary" {
  description = "Primary region inputs: VPC, public subnets, ALB security group, logs KMS key."
  type = object({
    vpc_id                = string
    public_subnet_ids     = list(string)
    alb_security_group_id = string
    logs_kms_key_arn      = string
  })
}

variable "dr" {
  description = "DR region inputs, same shape as primary."
  type = object({
    vpc_id                = string
    public_subnet_ids     = list(string)
    alb_security_group_id = string
    logs_kms_key_arn      = string
  })
}

variable "deletion_protection" {
  description = "Protect the load balancers from deletion."
  type        = bool
  default     = true
}

variable "wait_for_certificate" {
  description = "Wait for DNS validation of the certificates (needs the zone delegated)."
  type        = bool
  default     = true
}

variable "health_check_path" {
  description = "Path Route53 and the target groups probe."
  type        = string
  default     = "/readyz"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
