variable "environment" {
  description = "Environment whose state bucket to create (environments/<environment>.yaml)."
  type        = string

  validation {
    condition     = contains(["local", "dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of local, dev, staging, prod."
  }
}

variable "aws_endpoint_url" {
  description = "Send every AWS call to this endpoint (the emulator); null for real AWS."
  type        = string
  default     = null
}
