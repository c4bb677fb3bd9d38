"""External Secrets Operator objects: values stay in AWS Secrets Manager, never in this repository.

Two stores, each with an IAM identity of its own that reads only what its namespace syncs
(Terraform's `local.external_secret_paths`, compared by qvctl.contract.external_secrets):
the application namespace's (database passwords, the CA, the cache URL) and the logging
namespace's (the log store's endpoint name). One store for both would let the logging
namespace sync the database password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.spec import Environment

ESO_API_VERSION = "external-secrets.io/v1"
SECRET_STORE = "aws-secrets-manager"  # noqa: S105 - a SecretStore object name, not a secret
LOGGING_SECRET_STORE = "aws-secrets-manager-logging"  # noqa: S105 - the logging namespace's own SecretStore


@dataclass(frozen=True)
class SyncedSecret:
    """One Kubernetes Secret the operator keeps in sync with one Secrets Manager entry."""

    name: str  # the ExternalSecret and the Secret it creates
    remote: str  # path under <project>/<env>/
    prop: str  # JSON property of the remote value
    key: str  # key (file name) in the Secret


def synced_secrets() -> tuple[SyncedSecret, ...]:
    """The application namespace's Secrets."""
    return (
        SyncedSecret("api-database", "database/app", "password", "password"),
        SyncedSecret("api-database-owner", "database/owner", "password", "password"),
        # The environment CA verifies the database's server certificate (sslmode verify-full).
        SyncedSecret("environment-ca", "pki/ca", "certificate", "ca.crt"),
        # Not secret, but published by Terraform the same way: the cache's URL (config.server_env).
        SyncedSecret(naming.CACHE_URL_SECRET, "cache/endpoint", "url", "url"),
    )


def logging_synced_secrets() -> tuple[SyncedSecret, ...]:
    """The logging namespace's Secrets: the OpenSearch endpoint's name Fluent Bit connects to
    (log_shipping), which the domain's certificate carries (the private zone's alias is not in it)."""
    return (SyncedSecret(naming.LOGS_ENDPOINT_SECRET, "logs/endpoint", "host", "host"),)


def _aws_provider(env: Environment, service_account: dict[str, str]) -> dict[str, Any]:
    return {
        "aws": {
            "service": "SecretsManager",
            "region": env.regions.primary,
            "auth": {"jwt": {"serviceAccountRef": service_account}},
        }
    }


def secret_store(env: Environment) -> Manifest:
    """The application namespace's store, usable from that namespace only.

    It authenticates as `external-secrets/external-secrets` (a token requested for that account,
    whose IAM role Terraform trusts and lets read the application's secrets), not as the
    operator's own account, and its conditions keep every other namespace from using it.
    """
    account = {"name": "external-secrets", "namespace": naming.EXTERNAL_SECRETS_NAMESPACE}
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "ClusterSecretStore",
        "metadata": metadata(SECRET_STORE, None, labels(env, "external-secrets", "secret-store")),
        "spec": {
            "conditions": [{"namespaces": [env.kubernetes.namespace]}],
            "provider": _aws_provider(env, account),
        },
    }


def logging_secret_store(env: Environment) -> Manifest:
    """The logging namespace's store: a namespaced SecretStore, so no other namespace can use it.

    It authenticates as `logging/external-secrets-logging`, whose IAM role reads
    `<project>/<env>/logs/endpoint` alone (a namespaced store's account is always in its own
    namespace, so the reference names none).
    """
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "SecretStore",
        "metadata": metadata(
            LOGGING_SECRET_STORE, naming.LOGGING_NAMESPACE, labels(env, "external-secrets", "secret-store")
        ),
        "spec": {"provider": _aws_provider(env, {"name": naming.LOGGING_SECRETS_ACCOUNT})},
    }


def _external_secret(env: Environment, secret: SyncedSecret, namespace: str, store: dict[str, str]) -> Manifest:
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "ExternalSecret",
        "metadata": metadata(secret.name, namespace, labels(env, secret.name, "secret")),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": store,
            "target": {"name": secret.name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [
                {
                    "secretKey": secret.key,
                    "remoteRef": {"key": naming.secret_name(env, secret.remote), "property": secret.prop},
                }
            ],
        },
    }


def external_secrets(env: Environment) -> list[Manifest]:
    store = {"kind": "ClusterSecretStore", "name": SECRET_STORE}
    return [_external_secret(env, secret, env.kubernetes.namespace, store) for secret in synced_secrets()]


def logging_external_secrets(env: Environment) -> list[Manifest]:
    store = {"kind": "SecretStore", "name": LOGGING_SECRET_STORE}
    return [_external_secret(env, secret, naming.LOGGING_NAMESPACE, store) for secret in logging_synced_secrets()]
