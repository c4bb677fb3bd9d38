output "instance_ids" {
  description = "Instance IDs of the database nodes."
  value       = aws_instance.this[*].id
}

output "private_ips" {
  description = "Private addresses of the database nodes."
  value       = aws_instance.this[*].private_ip
}

output "hostnames" {
  description = "Name tags of the database nodes (the Ansible inventory hostnames)."
  value       = [for i in aws_instance.this : i.tags["Name"]]
}

output "role_arn" {
  description = "IAM role of the database hosts."
  value       = aws_iam_role.this.arn
}
