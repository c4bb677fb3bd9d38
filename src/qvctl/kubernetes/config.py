"""The API's settings: the content-addressed ConfigMap its pods read, and the secret files they name."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.spec import Environment


def config_data(env: Environment) -> dict[str, str]:
    """Non-secret settings (QV_* names from the API's documented list). Secrets arrive as files.

    Only what differs from the API's own defaults (services/api/src/quantumvest_api/settings.py)
    or is a fact of this environment: log level, pool size, cache lifetime and the database's
    sslmode (verify-full) are the API's defaults, set there once for every deployment.
    """
    return {
        "QV_ENVIRONMENT": env.name,
        "QV_DB_HOST": naming.internal_host(env, "postgres"),
        "QV_DB_PORT": str(env.ports.postgresql),
        "QV_DB_NAME": env.database.name,
        "QV_DB_USER": naming.DATABASE_USER,
        "QV_DB_SSLROOTCERT": naming.ENVIRONMENT_CA_FILE,
        "QV_REDIS_SSL_CA_FILE": naming.SYSTEM_CA_BUNDLE,
        "QV_AUTH_ISSUER": env.application.auth.issuer,
        "QV_AUTH_AUDIENCE": env.application.auth.audience,
        # The spec requires it of every cloud environment (spec/model.py); only they are rendered.
        "QV_AUTH_JWKS_URL": env.application.auth.jwks_url or "",
        # No Redis password exists in the cloud: the API signs an IAM token with its IRSA role.
        "QV_REDIS_IAM_USER": naming.cache_user(env),
        "QV_REDIS_IAM_CACHE": naming.cache_replication_group(env),
    }


def server_env() -> list[dict[str, Any]]:
    """The server's own variables: its password file, and the cache's URL.

    The URL names the ElastiCache endpoint itself, whose certificate carries only that name (the
    private zone's alias `redis.<zone>` would fail the host name check); Terraform publishes it and
    External Secrets syncs it. Optional: without a cache (or before its first sync) the API runs
    uncached instead of not starting.
    """
    return [
        {"name": "QV_DB_PASSWORD_FILE", "value": naming.DB_PASSWORD_FILE},
        {
            "name": "QV_REDIS_URL",
            "valueFrom": {"secretKeyRef": {"name": naming.CACHE_URL_SECRET, "key": "url", "optional": True}},
        },
    ]


def migration_env() -> list[dict[str, str]]:
    """The migration connects as the schema's owner (it creates and alters tables) and needs no cache."""
    return [
        {"name": "QV_DB_USER", "value": naming.DATABASE_OWNER},
        {"name": "QV_DB_PASSWORD_FILE", "value": naming.DB_OWNER_PASSWORD_FILE},
    ]


def config_map_name(env: Environment) -> str:
    """Content-addressed, like kustomize: a settings change makes a new pod template, hence a rollout."""
    digest = hashlib.sha256(json.dumps(config_data(env), sort_keys=True).encode()).hexdigest()[:10]
    return f"api-config-{digest}"


def config_map(env: Environment) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(config_map_name(env), env.kubernetes.namespace, labels(env, naming.API, "config")),
        "immutable": True,
        "data": config_data(env),
    }
