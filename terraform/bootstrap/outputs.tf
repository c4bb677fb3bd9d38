output "backend" {
  description = "What env/<environment>.tfbackend must say."
  value = {
    bucket     = module.state.bucket
    region     = local.spec.regions.primary
    kms_key_id = module.state.kms_key_arn
    key        = "${local.spec.name}/terraform.tfstate"
  }
}
