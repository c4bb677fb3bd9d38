locals {
  # The environment spec, validated by qvctl's typed model; Terraform reads the same file.
  spec = yamldecode(file("${path.module}/../environments/${var.environment}.yaml"))

  name     = "${local.spec.project}-${local.spec.name}"
  is_cloud = local.spec.kind == "cloud"

  # What differs between environments beyond their spec's sizes keys on the tier
  # (development, staging, production), never on the environment's name.
  tier       = try(local.spec.tier, null)
  production = local.tier == "production"

  tags = {
    Project     = local.spec.project
    Environment = local.spec.name
    ManagedBy   = "terraform"
  }
}
