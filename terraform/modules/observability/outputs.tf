output "host_instance_id" {
  description = "Instance ID of the observability host."
  value       = one(module.host.instance_ids)
}

output "host_private_ip" {
  description = "Private address of the observability host."
  value       = one(module.host.private_ips)
}

output "opensearch_endpoint" {
  description = "HTTPS endpoint of the OpenSearch domain (inside the VPC)."
  value       = one(aws_opensearch_domain.logs[*].endpoint)
}

output "opensearch_domain_arn" {
  description = "ARN of the OpenSearch domain."
  value       = one(aws_opensearch_domain.logs[*].arn)
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "log_group_names" {
  description = "Platform log group name per component."
  value       = { for k, g in aws_cloudwatch_log_group.platform : k => g.name }
}
