output "zone_id" {
  description = "ID of the private zone."
  value       = aws_route53_zone.this.zone_id
}

output "zone_name" {
  description = "Name of the private zone."
  value       = var.zone_name
}

output "record_names" {
  description = "Fully qualified name per record key, e.g. postgres => postgres.internal.dev.quantumvest.example.com."
  value       = { for k in keys(aws_route53_record.this) : k => "${k}.${var.zone_name}" }
}
