variable "name" {
  description = "Prefix of resource names, e.g. quantumvest-dev-primary (at most 29 characters: ALB and target group names allow 32)."
  type        = string

  validation {
    condition     = length(var.name) <= 29
    error_message = "name must be at most 29 characters (ALB and target group names allow 32)."
  }
}

variable "domain" {
  description = "Public domain of the environment (spec: domain)."
  type        = string
}

variable "zone_id" {
  description = "Route53 zone of the domain (certificate validation records)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the load balancer."
  type        = list(string)
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer (HTTPS from anywhere, to the app tier only)."
  type        = string
}

variable "logs_kms_key_arn" {
  description = "KMS key of the WAF log group."
  type        = string
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true
}

variable "wait_for_certificate" {
  description = "Wait for DNS validation of the certificate before the listener uses it (needs the zone delegated)."
  type        = bool
  default     = true
}

variable "health_check_path" {
  description = "Path the target group and Route53 probe (the API's readiness endpoint through ingress-nginx)."
  type        = string
  default     = "/readyz"
}

variable "rate_limit_per_5min" {
  description = "Requests per 5 minutes per client IP before WAF blocks it."
  type        = number
  default     = 2000
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
