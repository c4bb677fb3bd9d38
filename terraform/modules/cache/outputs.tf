output "primary_endpoint" {
  description = "Primary endpoint address (connect with rediss:// as the app user, with an IAM authentication token)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "reader_endpoint" {
  description = "Reader endpoint address."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "port" {
  description = "Redis port."
  value       = aws_elasticache_replication_group.this.port
}

output "multi_az" {
  description = "Whether Multi-AZ automatic failover is on."
  value       = aws_elasticache_replication_group.this.multi_az_enabled
}

output "replication_group_arn" {
  description = "ARN of the replication group (the resource of the API's elasticache:Connect)."
  value       = aws_elasticache_replication_group.this.arn
}

output "app_user_arn" {
  description = "ARN of the API's IAM-authenticated user (the other resource of elasticache:Connect)."
  value       = aws_elasticache_user.app.arn
}
