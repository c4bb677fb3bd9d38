output "id" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "versioning_id" {
  description = "ID of the versioning configuration (replication must wait for it)."
  value       = aws_s3_bucket_versioning.this.id
}

output "encryption" {
  description = "Default encryption of the bucket: algorithm and KMS key."
  value = {
    algorithm   = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm
    kms_key_arn = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id
  }
}
