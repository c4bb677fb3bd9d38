"""Small builders every manifest module uses: metadata, labels and Checkov skip annotations."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes import naming
from qvctl.spec import Environment

Manifest = dict[str, Any]

# Argo Rollouts' own objects: the Rollout, the AnalysisTemplate it runs, the HPA's scale target.
ROLLOUTS_API_VERSION = "argoproj.io/v1alpha1"


def labels(env: Environment, name: str, component: str) -> dict[str, str]:
    """The recommended labels (app.kubernetes.io/*); selectors use name + component only."""
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": naming.PART_OF,
        "app.kubernetes.io/managed-by": "qvctl",
        "quantumvest.io/environment": env.name,
    }


def selector(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


def metadata(
    name: str,
    namespace: str | None,
    object_labels: dict[str, str],
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(object_labels)}
    if namespace is not None:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def checkov_skips(**reasons: str) -> dict[str, str]:
    """`checkov.io/skipN: CKV_K8S_xx=reason`: every skip carries its reason in the manifest itself."""
    return {f"checkov.io/skip{i}": f"{check}={reason}" for i, (check, reason) in enumerate(sorted(reasons.items()), 1)}


def restricted_container_security() -> dict[str, Any]:
    """Pod Security Standard `restricted`, plus a read-only root filesystem."""
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def restricted_pod_security(uid: int = 10001) -> dict[str, Any]:
    # A UID above 10000 cannot collide with a host account (Checkov CKV_K8S_40).
    return {
        "fsGroup": uid,
        "runAsGroup": uid,
        "runAsNonRoot": True,
        "runAsUser": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
