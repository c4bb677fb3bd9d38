"""Names shared with other layers, in one place so that a check can compare them.

Everything another layer must agree on (IRSA role names, Secrets Manager names, internal DNS
names, the API's port and paths) is derived here from the spec and nowhere else.
"""

from __future__ import annotations

from qvctl.spec import Environment

PART_OF = "quantumvest"
API = "api"

# Namespaces other than the application's own. The operators' namespaces are where their
# Helm charts install them by default; our NetworkPolicies name them.
LOGGING_NAMESPACE = "logging"
MONITORING_NAMESPACE = "monitoring"
INGRESS_NAMESPACE = "ingress-nginx"

# The paths the API serves for probes and metrics; qvctl.contract.probes checks them against
# the API's OpenAPI document.
LIVENESS_PATH = "/livez"
READINESS_PATH = "/readyz"
API_PATH_PREFIX = "/api/"
METRICS_PATH = "/metrics"

EXTERNAL_SECRETS_NAMESPACE = "external-secrets"
# The identity External Secrets uses for the logging namespace's own store: a role of its own
# that reads the log store's endpoint alone (the application's store can read database passwords).
LOGGING_SECRETS_ACCOUNT = "external-secrets-logging"

# Service accounts that get an IAM role, with the namespace they live in
# (service_account_namespace). Terraform's trust policies name the same namespaces.
IRSA_SERVICE_ACCOUNTS = ("api", "external-secrets", LOGGING_SECRETS_ACCOUNT, "fluent-bit", "backup")

# Where mounted secrets appear in the API container (env vars *_FILE point here).
SECRETS_DIR = "/var/run/secrets/quantumvest"
DB_PASSWORD_FILE = f"{SECRETS_DIR}/database/password"
# Only the migration Job mounts the schema owner's password.
DB_OWNER_PASSWORD_FILE = f"{SECRETS_DIR}/database-owner/password"
ENVIRONMENT_CA_FILE = f"{SECRETS_DIR}/pki/ca.crt"
# The API pods' own serving certificate (cert-manager, certificates.py) and where `serve` reads it.
API_TLS_SECRET = "api-tls"  # noqa: S105 - a Secret object name, not a secret
API_TLS_DIR = f"{SECRETS_DIR}/tls"
# The Secret External Secrets fills with the cache's URL (<project>/<env>/cache/endpoint).
CACHE_URL_SECRET = "api-cache"  # noqa: S105 - a Secret object name, not a secret
# The Secret External Secrets fills with the OpenSearch domain's endpoint name
# (<project>/<env>/logs/endpoint), and the variable Fluent Bit reads it from.
LOGS_ENDPOINT_SECRET = "opensearch-endpoint"  # noqa: S105 - a Secret object name, not a secret
LOGS_ENDPOINT_VARIABLE = "OPENSEARCH_HOST"
# ElastiCache presents an Amazon-issued certificate: the image's system bundle verifies it.
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

DATABASE_USER = "quantumvest_app"
# Migrations run as the owner of the schema; the API's role can change rows, never tables.
DATABASE_OWNER = "quantumvest_owner"


def service_account_namespace(env: Environment, service_account: str) -> str:
    """fluent-bit and external-secrets live with their operators, the logging namespace's store
    identity with the logging namespace; the others with the application."""
    own = {
        "fluent-bit": LOGGING_NAMESPACE,
        "external-secrets": EXTERNAL_SECRETS_NAMESPACE,
        LOGGING_SECRETS_ACCOUNT: LOGGING_NAMESPACE,
    }
    return own.get(service_account, env.kubernetes.namespace)


def irsa_role_name(env: Environment, service_account: str) -> str:
    """`<project>-<env>-irsa-<serviceaccount>`; Terraform's eks module must agree (qvctl.contract.irsa checks it)."""
    return f"{env.project}-{env.name}-irsa-{service_account}"


def irsa_role_arn(env: Environment, service_account: str) -> str:
    return f"arn:aws:iam::{env.account_id}:role/{irsa_role_name(env, service_account)}"


def secret_name(env: Environment, path: str) -> str:
    """Secrets Manager name `<project>/<env>/<path>` (Terraform's secrets module creates them so)."""
    return f"{env.project}/{env.name}/{path}"


def internal_zone(env: Environment) -> str:
    """Private Route53 zone of the environment's VPC; Terraform owns the records in it."""
    return f"internal.{env.domain}"


def internal_host(env: Environment, record: str) -> str:
    """A record of the private zone (Terraform's private_dns module): `postgres` (every member of
    the primary cluster: libpq keeps the writable one). The API reaches the cache, and Fluent Bit
    the log store, by the AWS endpoint's own name instead (config.server_env, log_shipping), which
    the endpoint's certificate carries."""
    return f"{record}.{internal_zone(env)}"


def cache_user(env: Environment) -> str:
    """The ElastiCache user the API logs in as with an IAM token (Terraform: local.cache_app_user)."""
    return f"{env.project}-{env.name}-api"


def cache_replication_group(env: Environment) -> str:
    """The primary region's ElastiCache replication group (Terraform: module.primary's cache, `<name>-primary`)."""
    return f"{env.project}-{env.name}-primary"


def image_registry(env: Environment) -> str:
    """The environment's own ECR registry in the primary region (the spec names the repository in it)."""
    return f"{env.account_id}.dkr.ecr.{env.regions.primary}.amazonaws.com"


def public_host(env: Environment) -> str:
    """The name users reach: Terraform's edge module points the domain's apex record at the ALBs."""
    return env.domain


def service_host(env: Environment, service: str) -> str:
    """A Service's in-cluster name, `<service>.<namespace>.svc`: what a client inside the cluster
    verifies the API pods' certificate against (the cluster domain suffix is left to the resolver)."""
    return f"{service}.{env.kubernetes.namespace}.svc"


def dns_label(value: str) -> str:
    """An image tag like `0.1.0` as a DNS-1123 label fragment (`0-1-0`)."""
    out = "".join(c if c.isalnum() else "-" for c in value.lower()).strip("-")
    return out[:40].rstrip("-") or "x"
