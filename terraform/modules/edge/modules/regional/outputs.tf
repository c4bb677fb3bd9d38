output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone of the load balancer (for alias records)."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "Target group ingress-nginx binds to."
  value       = aws_lb_target_group.ingress.arn
}

output "web_acl_arn" {
  description = "WAF web ACL of the load balancer."
  value       = aws_wafv2_web_acl.this.arn
}

output "certificate_arn" {
  description = "ACM certificate of the HTTPS listener."
  value       = aws_acm_certificate.this.arn
}
