"""The API's pod, shared by the Rollout (`serve`) and the migration Job (`migrate`): image, container, volumes."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import (
    checkov_skips,
    restricted_container_security,
    restricted_pod_security,
)
from qvctl.kubernetes.config import config_map_name, migration_env, server_env
from qvctl.kubernetes.secrets import synced_secrets
from qvctl.spec import Environment
from qvctl.spec.model import Image

# The component label of each kind of API pod: selectors tell the server pods from the migration's.
SERVER = "server"
MIGRATE = "migrate"


# Which synced secret each kind of pod mounts, and where: a pod sees only what it uses.
_MOUNTS = {
    SERVER: {
        "api-database": naming.DB_PASSWORD_FILE.rsplit("/", 1)[0],
        "environment-ca": naming.ENVIRONMENT_CA_FILE.rsplit("/", 1)[0],
        # Its serving certificate and key (cert-manager); the migration serves nothing.
        naming.API_TLS_SECRET: naming.API_TLS_DIR,
    },
    MIGRATE: {
        "api-database-owner": naming.DB_OWNER_PASSWORD_FILE.rsplit("/", 1)[0],
        "environment-ca": naming.ENVIRONMENT_CA_FILE.rsplit("/", 1)[0],
    },
}


def _secret_volumes(role: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mounts_at = _MOUNTS[role]
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108 - the container's own emptyDir
    for name in [secret.name for secret in synced_secrets()] + [naming.API_TLS_SECRET]:
        if name in mounts_at:
            volumes.append({"name": name, "secret": {"secretName": name, "defaultMode": 0o440}})
            mounts.append({"name": name, "mountPath": mounts_at[name], "readOnly": True})
    return volumes, mounts


def pinned_image(env: Environment) -> tuple[Image, str]:
    """The cloud environment's image and its digest; the spec's validation guarantees both."""
    pinned = env.application.image
    if pinned is None or pinned.digest is None:
        raise ValueError(f"{env.name}: no application.image with a digest (only a valid cloud spec has one)")
    return pinned, pinned.digest


def image(env: Environment) -> str:
    """`repository:tag@digest`: the runtime pulls by the digest; the tag stays for the people reading it."""
    pinned, digest = pinned_image(env)
    return f"{naming.image_registry(env)}/{pinned.repository}:{pinned.tag}@{digest}"


def serve_tls_args() -> list[str]:
    """`qv-api serve` options that make the pod serve HTTPS with its mounted certificate."""
    return ["--tls-cert", f"{naming.API_TLS_DIR}/tls.crt", "--tls-key", f"{naming.API_TLS_DIR}/tls.key"]


def container(env: Environment, name: str, args: list[str], role: str) -> dict[str, Any]:
    """The API's container for `role`: SERVER (probes, the API's own role) or MIGRATE (the owner's)."""
    resources = env.application.resources
    _, mounts = _secret_volumes(role)
    spec: dict[str, Any] = {
        "name": name,
        "image": image(env),
        "imagePullPolicy": "Always",
        "command": ["qv-api"],
        "args": args,
        "envFrom": [{"configMapRef": {"name": config_map_name(env)}}],
        "env": server_env() if role == SERVER else migration_env(),
        "resources": {
            "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
            "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
        },
        "securityContext": restricted_container_security(),
        "volumeMounts": mounts,
    }
    if role == SERVER:
        port = env.application.port
        spec["ports"] = [{"name": "https", "containerPort": port, "protocol": "TCP"}]

        def probe(path: str, period: int, failures: int) -> dict[str, Any]:
            # The kubelet speaks TLS to the port without verifying the certificate (it has no CA).
            return {
                "httpGet": {"path": path, "port": "https", "scheme": "HTTPS"},
                "periodSeconds": period,
                "timeoutSeconds": 2,
                "failureThreshold": failures,
            }

        # Startup allows 60 s for imports and the first DB connection; liveness never checks
        # dependencies (a database outage must not restart every pod), readiness does.
        spec["startupProbe"] = probe(naming.LIVENESS_PATH, 2, 30)
        spec["livenessProbe"] = probe(naming.LIVENESS_PATH, 10, 3)
        spec["readinessProbe"] = probe(naming.READINESS_PATH, 5, 2)
    return spec


def pod_spec(env: Environment, main: dict[str, Any], role: str) -> dict[str, Any]:
    volumes, _ = _secret_volumes(role)
    spec: dict[str, Any] = {
        "serviceAccountName": "api",
        "automountServiceAccountToken": False,
        "securityContext": restricted_pod_security(),
        "containers": [main],
        "volumes": volumes,
        "terminationGracePeriodSeconds": 30,
    }
    if role == MIGRATE:
        spec["restartPolicy"] = "Never"  # the Job retries (backoffLimit), not the kubelet
    return spec


# Checkov cannot tell a Secret that holds no secret: the server's QV_REDIS_URL (config.server_env).
_CACHE_URL_SKIP_REASON = (
    "QV_REDIS_URL is the cache endpoint's address, no credential; it comes from a Secret only because Terraform "
    "publishes it through Secrets Manager. Secret settings reach the API as files (the env-vars contract check)"
)


def workload_skips(role: str) -> dict[str, str]:
    """The Checkov skips of the Rollout (SERVER) or the migration Job (MIGRATE), each with its reason."""
    return checkov_skips(CKV_K8S_35=_CACHE_URL_SKIP_REASON) if role == SERVER else {}
