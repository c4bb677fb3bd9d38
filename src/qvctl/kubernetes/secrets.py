"""External Secrets Operator objects: values stay in AWS Secrets Manager, never in this repository."""

from __future__ import annotations

from dataclasses import dataclass

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.spec import Environment

ESO_API_VERSION = "external-secrets.io/v1"
SECRET_STORE = "aws-secrets-manager"  # noqa: S105 - a SecretStore object name, not a secret


@dataclass(frozen=True)
class SyncedSecret:
    """One Kubernetes Secret the operator keeps in sync with one Secrets Manager entry."""

    name: str  # the ExternalSecret and the Secret it creates
    remote: str  # path under <project>/<env>/
    prop: str  # JSON property of the remote value
    key: str  # key (file name) in the Secret


def synced_secrets() -> tuple[SyncedSecret, ...]:
    return (
        SyncedSecret("api-database", "database/app", "password", "password"),
        SyncedSecret("api-database-owner", "database/owner", "password", "password"),
        # The environment CA verifies the database's server certificate (sslmode verify-full).
        SyncedSecret("environment-ca", "pki/ca", "certificate", "ca.crt"),
        # Not secret, but published by Terraform the same way: the cache's URL (config.server_env).
        SyncedSecret(naming.CACHE_URL_SECRET, "cache/endpoint", "url", "url"),
    )


def secret_store(env: Environment) -> Manifest:
    """One store for the environment, usable from the application namespace only.

    It authenticates as `external-secrets/external-secrets` (a token requested for that account,
    whose IAM role Terraform trusts and lets read `<project>/<env>/*`), not as the operator's own
    account, and its conditions keep every other namespace from using it.
    """
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "ClusterSecretStore",
        "metadata": metadata(SECRET_STORE, None, labels(env, "external-secrets", "secret-store")),
        "spec": {
            "conditions": [{"namespaces": [env.kubernetes.namespace]}],
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": env.regions.primary,
                    "auth": {
                        "jwt": {
                            "serviceAccountRef": {
                                "name": "external-secrets",
                                "namespace": naming.EXTERNAL_SECRETS_NAMESPACE,
                            }
                        }
                    },
                }
            },
        },
    }


def external_secrets(env: Environment) -> list[Manifest]:
    out = []
    for secret in synced_secrets():
        out.append(
            {
                "apiVersion": ESO_API_VERSION,
                "kind": "ExternalSecret",
                "metadata": metadata(secret.name, env.kubernetes.namespace, labels(env, secret.name, "secret")),
                "spec": {
                    "refreshInterval": "1h",
                    "secretStoreRef": {"kind": "ClusterSecretStore", "name": SECRET_STORE},
                    "target": {"name": secret.name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                    "data": [
                        {
                            "secretKey": secret.key,
                            "remoteRef": {"key": naming.secret_name(env, secret.remote), "property": secret.prop},
                        }
                    ],
                },
            }
        )
    return out
