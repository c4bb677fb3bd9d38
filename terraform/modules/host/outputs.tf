output "instance_ids" {
  description = "Instance IDs, in hostnames order."
  value       = aws_instance.this[*].id
}

output "private_ips" {
  description = "Private addresses, in hostnames order."
  value       = aws_instance.this[*].private_ip
}

output "hostnames" {
  description = "Name tags of the instances (the Ansible inventory hostnames); known at plan time, so callers may key on them."
  value       = var.hostnames
}

output "role_arn" {
  description = "IAM role of the hosts."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the hosts' IAM role."
  value       = aws_iam_role.this.name
}

output "instance_tags" {
  description = "Tags of each instance, in hostnames order (what the inventory groups on)."
  value       = [for i in aws_instance.this : i.tags]
}

output "subnet_ids" {
  description = "Subnet of each instance, in hostnames order."
  value       = aws_instance.this[*].subnet_id
}

output "root_volumes" {
  description = "Encryption of each instance's root volume, in hostnames order (lets callers' tests see the key their hosts get)."
  value       = [for i in aws_instance.this : { encrypted = i.root_block_device[0].encrypted, kms_key_id = i.root_block_device[0].kms_key_id }]
}
