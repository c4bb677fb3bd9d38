locals {
  # The environment spec, validated by qvctl's typed model; Terraform reads the same file.
  spec = yamldecode(file("${path.module}/../environments/${var.environment}.yaml"))

  name     = "${local.spec.project}-${local.spec.name}"
  is_cloud = local.spec.kind == "cloud"

  tags = {
    Project     = local.spec.project
    Environment = local.spec.name
    ManagedBy   = "terraform"
  }
}
