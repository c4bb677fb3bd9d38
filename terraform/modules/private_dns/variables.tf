variable "name" {
  description = "Prefix of resource names, e.g. quantumvest-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,39}$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "zone_name" {
  description = "Name of the private zone, e.g. internal.dev.quantumvest.example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.zone_name))
    error_message = "zone_name must be a DNS name."
  }
}

variable "vpcs" {
  description = "VPCs that resolve the zone, with their regions (both regions' VPCs, so a failover changes no name)."
  type = list(object({
    vpc_id = string
    region = string
  }))

  validation {
    condition     = length(var.vpcs) >= 1
    error_message = "A private zone needs at least one VPC."
  }
}

variable "records" {
  description = "Record name (relative to the zone) => type (A or CNAME), values and TTL."
  type = map(object({
    type   = string
    values = list(string)
    ttl    = optional(number, 60)
  }))
  default = {}

  validation {
    condition     = alltrue([for r in values(var.records) : contains(["A", "CNAME"], r.type) && length(r.values) >= 1 && (r.type != "CNAME" || length(r.values) == 1)])
    error_message = "Records must be A (one or more addresses) or CNAME (exactly one target)."
  }
  validation {
    condition     = alltrue([for name, r in var.records : can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", name))])
    error_message = "Record names must be single DNS labels (the zone is appended)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
