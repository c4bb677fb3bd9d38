# Offline: every EC2 host is private, IMDSv2-only, encrypted with the data CMK, reached
# through SSM only, and spread over the given subnets.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name              = "quantumvest-prod-primary-database"
  hostnames         = ["quantumvest-prod-primary-db1", "quantumvest-prod-primary-db2", "quantumvest-prod-primary-db3", "quantumvest-prod-primary-db4"]
  instance_type     = "r6i.xlarge"
  volume_gb         = 500
  subnet_ids        = ["subnet-a", "subnet-b", "subnet-c"]
  security_group_id = "sg-db"
  kms_key_arn       = "arn:aws:kms:eu-west-1:333333333333:key/data"
  policy_name       = "least-privilege"
  policy_json       = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  instance_tags     = { "qv:role" = "database" }
}

run "hardened_private_hosts_round_robin" {
  command = apply
  module {
    source = "./modules/host"
  }

  assert {
    condition     = length(aws_instance.this) == 4 && aws_instance.this[3].subnet_id == "subnet-a" && length(distinct(aws_instance.this[*].subnet_id)) == 3
    error_message = "one instance per hostname, spread round-robin over the subnets"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.metadata_options[0].http_tokens == "required" && i.metadata_options[0].http_put_response_hop_limit == 1])
    error_message = "IMDSv2 must be required, with a hop limit of 1"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.associate_public_ip_address == false])
    error_message = "hosts must have no public address"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.root_block_device[0].encrypted && i.root_block_device[0].kms_key_id == var.kms_key_arn])
    error_message = "volumes must be encrypted with the data CMK"
  }
  assert {
    condition     = alltrue([for i in aws_instance.this : i.monitoring]) && aws_instance.this[0].tags["Name"] == "quantumvest-prod-primary-db1" && aws_instance.this[0].tags["qv:role"] == "database"
    error_message = "detailed monitoring on by default; Name and instance tags set"
  }
  assert {
    condition     = aws_iam_role_policy_attachment.ssm.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" && aws_iam_instance_profile.this.role == aws_iam_role.this.name
    error_message = "the role reaches SSM and is the instances' profile"
  }
}

run "detailed_monitoring_can_be_switched_off" {
  command = plan
  module {
    source = "./modules/host"
  }
  variables {
    detailed_monitoring = false
  }

  assert {
    condition     = alltrue([for i in aws_instance.this : !i.monitoring])
    error_message = "detailed_monitoring = false must reach every instance"
  }
}

run "rejects_an_unencrypted_or_aws_managed_volume_key" {
  command = plan
  module {
    source = "./modules/host"
  }
  variables {
    kms_key_arn = "alias/aws/ebs"
  }
  expect_failures = [var.kms_key_arn]
}
