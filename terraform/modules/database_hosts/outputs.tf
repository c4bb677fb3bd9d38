output "instance_ids" {
  description = "Instance IDs of the database nodes."
  value       = module.host.instance_ids
}

output "private_ips" {
  description = "Private addresses of the database nodes."
  value       = module.host.private_ips
}

output "hostnames" {
  description = "Name tags of the database nodes (the Ansible inventory hostnames)."
  value       = module.host.hostnames
}

output "role_arn" {
  description = "IAM role of the database hosts."
  value       = module.host.role_arn
}

output "role_name" {
  description = "Name of the database hosts' IAM role."
  value       = module.host.role_name
}
