"""`qvctl drift`: where an environment no longer matches the code, as Terraform and Ansible each see it."""
