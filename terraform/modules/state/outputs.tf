output "bucket" {
  description = "State bucket name (the backend's bucket)."
  value       = module.bucket.id
}

output "kms_key_arn" {
  description = "KMS key of the state bucket (the backend's kms_key_id)."
  value       = aws_kms_key.state.arn
}

output "encryption" {
  description = "Default encryption of the state bucket."
  value       = module.bucket.encryption
}
