# prod on real AWS (environments/prod.yaml). Nothing may be destroyed by accident.
environment                 = "prod"
force_destroy               = false
secret_recovery_window_days = 30
kms_deletion_window_days    = 30
alb_deletion_protection     = true
log_retention_days          = 731
