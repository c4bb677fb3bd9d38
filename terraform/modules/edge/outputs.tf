output "zone_id" {
  description = "Route53 zone of the domain."
  value       = aws_route53_zone.this.zone_id
}

output "name_servers" {
  description = "Name servers to delegate the domain to from its parent zone."
  value       = aws_route53_zone.this.name_servers
}

output "alb_dns_names" {
  description = "Load balancer DNS name per region (primary, dr)."
  value       = { primary = module.primary.alb_dns_name, dr = module.dr.alb_dns_name }
}

output "target_group_arns" {
  description = "Target group per region for ingress-nginx's TargetGroupBinding."
  value       = { primary = module.primary.target_group_arn, dr = module.dr.target_group_arn }
}

output "health_check_ids" {
  description = "Route53 health check per region."
  value       = { for k, h in aws_route53_health_check.this : k => h.id }
}
