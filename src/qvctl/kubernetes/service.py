"""The API's Services: stable, canary or preview (Argo Rollouts steers these two), and metrics."""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata, selector
from qvctl.kubernetes.pod import SERVER
from qvctl.spec import Environment

STABLE = "api"
METRICS = "api-metrics"


def second_service(env: Environment) -> tuple[str, str]:
    """(name, role) of the Service Argo Rollouts points at the new revision."""
    return ("api-canary", "canary") if env.rollout.strategy == "canary" else ("api-preview", "preview")


def service_names(env: Environment) -> tuple[str, ...]:
    """Every Service in front of the API pods: the names their serving certificate carries."""
    return (STABLE, second_service(env)[0], METRICS)


def _service(env: Environment, name: str, role: str, extra_labels: dict[str, str] | None = None) -> Manifest:
    svc_labels = {**labels(env, naming.API, SERVER), "quantumvest.io/service-role": role, **(extra_labels or {})}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, env.kubernetes.namespace, svc_labels),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(naming.API, SERVER),
            "ports": [{"name": "https", "port": env.application.port, "targetPort": "https", "protocol": "TCP"}],
        },
    }


def services(env: Environment) -> list[Manifest]:
    """`api` takes the ingress traffic; Argo Rollouts adds a pod-hash selector to it and to the second one."""
    second, role = second_service(env)
    return [
        _service(env, STABLE, "stable"),
        _service(env, second, role),
        # All API pods whatever their revision, for Prometheus (Argo Rollouts never touches this one).
        _service(env, METRICS, "metrics", {"quantumvest.io/metrics": "true"}),
    ]
