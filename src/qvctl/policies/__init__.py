"""Policies as code: one module per promise of the brief, each returning Violations.

- segmentation: data subnets never route to an internet gateway; the database group admits
  only the application and observability groups (and its own peers);
- least_privilege: no `*` in application roles' policies; IRSA roles trust one service account;
- encryption_at_rest: buckets, volumes, log groups, secrets, caches, domains use a key this
  configuration manages;
- encryption_in_transit: buckets deny plain HTTP; ingresses are HTTPS-only; pg_hba is hostssl;
- network_rules: no ingress from anywhere but 443 on the load balancer; no SSH;
- secrets: nothing secret in rendered manifests; a detect-secrets scan against the reviewed
  baseline.

Terraform policies read `terraform show -json` of a saved plan (plan.py); a value Terraform
only knows after apply makes the rule undecided for that resource, never passed.
"""
