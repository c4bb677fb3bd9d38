# The local environment: the emulator on 127.0.0.1:5000 (keys test/test from the environment).
environment          = "local"
aws_endpoint_url     = "http://127.0.0.1:5000"
s3_lifecycle_enabled = false # the provider waits ~55 s per lifecycle rule on the emulator
force_destroy        = true
# Deleted secrets and keys go at once, so `qvctl down` + `up` recreates the same names.
secret_recovery_window_days = 0
kms_deletion_window_days    = 7
cache_enabled               = false
secret_replicas_enabled     = false # the emulator forgets a replica's KMS key, so the plan never converges
s3_replication_enabled      = false # the emulator drops parts of the replication rule, so the plan never converges
s3_tls_only                 = false # the emulator cannot evaluate aws:SecureTransport and would deny every request
