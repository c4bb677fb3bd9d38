output "bucket_names" {
  description = "Primary bucket name per purpose (backup, logs, artifacts)."
  value       = { for k, b in module.bucket : k => b.id }
}

output "bucket_arns" {
  description = "Primary bucket ARN per purpose."
  value       = { for k, b in module.bucket : k => b.arn }
}

output "dr_bucket_names" {
  description = "DR replica bucket name per purpose (empty when replication is off)."
  value       = { for k, b in module.dr_bucket : k => b.id }
}

output "replication_enabled" {
  description = "Whether the buckets replicate to the DR region."
  value       = length(aws_s3_bucket_replication_configuration.to_dr) > 0
}

output "encryption" {
  description = "Default encryption per bucket, primary and DR: algorithm and KMS key."
  value = merge(
    { for k, b in module.bucket : k => b.encryption },
    { for k, b in module.dr_bucket : "${k}-dr" => b.encryption },
  )
}

output "dr_bucket_arns" {
  description = "DR replica bucket ARN per purpose (empty when replication is off)."
  value       = { for k, b in module.dr_bucket : k => b.arn }
}
