# dev on real AWS. Everything about the environment is in environments/dev.yaml;
# credentials come from the environment (AWS_PROFILE or AWS_* variables), never from here.
environment = "dev"
# A disposable environment: buckets may be destroyed with their content, secrets go at once.
force_destroy               = true
secret_recovery_window_days = 7
alb_deletion_protection     = false
log_retention_days          = 365
