output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnet IDs, in AZ order."
  value       = aws_subnet.public[*].id
}

output "private_app_subnet_ids" {
  description = "Private application subnet IDs, in AZ order."
  value       = aws_subnet.private_app[*].id
}

output "private_data_subnet_ids" {
  description = "Private data subnet IDs, in AZ order."
  value       = aws_subnet.private_data[*].id
}

output "private_data_subnet_cidrs" {
  description = "Private data subnet CIDRs, in AZ order."
  value       = aws_subnet.private_data[*].cidr_block
}

output "private_app_subnet_cidrs" {
  description = "Private application subnet CIDRs, in AZ order."
  value       = aws_subnet.private_app[*].cidr_block
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs (none, one, or one per AZ)."
  value       = aws_nat_gateway.this[*].id
}

output "internet_gateway_id" {
  description = "ID of the internet gateway."
  value       = aws_internet_gateway.this.id
}

output "private_route_table_ids" {
  description = "Route tables of the private tiers."
  value       = concat(aws_route_table.private_app[*].id, aws_route_table.private_data[*].id)
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}

output "dns_query_log" {
  description = "Route 53 Resolver query logging of the VPC: log group and the association's VPC; null when off."
  value = var.dns_query_logging_enabled ? {
    log_group_name = aws_cloudwatch_log_group.dns_queries[0].name
    config_id      = aws_route53_resolver_query_log_config.this[0].id
    vpc_id         = aws_route53_resolver_query_log_config_association.this[0].resource_id
  } : null
}
