output "secret_names" {
  description = "Secret name per purpose: database_superuser, database_replication, database_app, database_owner, database_rest_api, redis_auth, grafana_admin, backup_cipher."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}

output "secret_arns" {
  description = "Secret ARN per purpose (for least-privilege IAM policies)."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "secret_version_ids" {
  description = "Version per secret (a dependency handle: the value exists once this is known)."
  value       = { for k, v in aws_secretsmanager_secret_version.this : k => v.version_id }
}

output "ca_secret_name" {
  description = "Name of the secret holding the environment CA certificate (<project>/<env>/pki/ca)."
  value       = aws_secretsmanager_secret.published["environment_ca"].name
}

output "cache_url_secret_name" {
  description = "Name of the secret holding the cache's URL (<project>/<env>/cache/endpoint)."
  value       = aws_secretsmanager_secret.published["cache_url"].name
}

output "logs_endpoint_secret_name" {
  description = "Name of the secret holding the OpenSearch domain's endpoint name (<project>/<env>/logs/endpoint)."
  value       = aws_secretsmanager_secret.published["logs_endpoint"].name
}
