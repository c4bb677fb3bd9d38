# staging on real AWS: production's shape at smaller sizes (environments/staging.yaml).
environment                 = "staging"
secret_recovery_window_days = 30
alb_deletion_protection     = true
log_retention_days          = 365
