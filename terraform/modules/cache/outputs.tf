output "primary_endpoint" {
  description = "Primary endpoint address (connect with rediss://, the AUTH token from Secrets Manager)."
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
