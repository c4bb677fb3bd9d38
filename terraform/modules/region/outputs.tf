output "kms_key_arns" {
  description = "KMS key ARN per data class: data, backup, secrets, logs."
  value       = module.security.kms_key_arns
}

output "security_group_ids" {
  description = "Security group ID per tier (empty outside the cloud)."
  value       = module.security.security_group_ids
}

output "vpc_id" {
  description = "VPC ID (null without a network)."
  value       = one(module.network[*].vpc_id)
}

output "public_subnet_ids" {
  description = "Public subnet IDs, in AZ order (empty without a network)."
  value       = flatten(module.network[*].public_subnet_ids)
}

output "private_data_subnet_ids" {
  description = "Private data subnet IDs, in AZ order (empty without a network)."
  value       = flatten(module.network[*].private_data_subnet_ids)
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs (empty without a network or NAT)."
  value       = flatten(module.network[*].nat_gateway_ids)
}

output "eks_cluster_name" {
  description = "EKS cluster name (null outside the cloud)."
  value       = one(module.eks[*].cluster_name)
}

output "eks_oidc_provider" {
  description = "The cluster's OIDC provider (ARN and issuer host), for the other region's IAM roles to trust; null outside the cloud."
  value       = one(module.eks[*].oidc_provider)
}

output "irsa_role_arns" {
  description = "IAM role ARN per service account (empty unless this region creates them)."
  value       = merge(module.eks[*].irsa_role_arns...)
}

output "database_hostnames" {
  description = "Name tags of this region's database hosts (the Ansible inventory hostnames)."
  value       = flatten(module.database_hosts[*].hostnames)
}

output "database_instance_ids" {
  description = "Instance IDs of this region's database hosts."
  value       = flatten(module.database_hosts[*].instance_ids)
}

output "database_private_ips" {
  description = "Private addresses of this region's database hosts, in hostname order."
  value       = flatten(module.database_hosts[*].private_ips)
}

output "database_role_arn" {
  description = "IAM role of this region's database hosts (null without hosts)."
  value       = one(module.database_hosts[*].role_arn)
}

output "cache_primary_endpoint" {
  description = "Primary endpoint of the Redis replication group (null without a cache)."
  value       = one(module.cache[*].primary_endpoint)
}

output "dns_query_log" {
  description = "Route 53 Resolver query logging of the region's VPC (log group, config, VPC); null locally or when off."
  value       = one(module.network[*].dns_query_log)
}
