output "kms_key_arns" {
  description = "KMS key ARN per data class: data, backup, secrets, logs."
  value       = { for k, key in aws_kms_key.this : k => key.arn }
}

output "kms_key_ids" {
  description = "KMS key ID per data class."
  value       = { for k, key in aws_kms_key.this : k => key.key_id }
}

output "security_group_ids" {
  description = "Security group ID per tier: alb, app, database, cache, observability, opensearch (empty when not created)."
  value       = { for k, sg in aws_security_group.this : k => sg.id }
}
