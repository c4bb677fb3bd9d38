"""How many API pods run: the HorizontalPodAutoscaler and the PodDisruptionBudget."""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import ROLLOUTS_API_VERSION, Manifest, labels, metadata, selector
from qvctl.kubernetes.pod import SERVER
from qvctl.spec import Environment

# Scaled by the HPA on CPU and on this per-pod rate (served by prometheus-adapter from
# qv_http_requests_total); 50 req/s is what one single-worker pod sustains with headroom.
REQUESTS_PER_SECOND_METRIC = "qv_http_requests_per_second"
REQUESTS_PER_SECOND_TARGET = "50"
CPU_TARGET_PERCENT = 70


def autoscaling(env: Environment) -> list[Manifest]:
    ns = env.kubernetes.namespace
    replicas = env.application.replicas
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "autoscaler")),
        "spec": {
            "scaleTargetRef": {"apiVersion": ROLLOUTS_API_VERSION, "kind": "Rollout", "name": naming.API},
            "minReplicas": replicas.min,
            "maxReplicas": replicas.max,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": CPU_TARGET_PERCENT},
                    },
                },
                {
                    "type": "Pods",
                    "pods": {
                        "metric": {"name": REQUESTS_PER_SECOND_METRIC},
                        "target": {"type": "AverageValue", "averageValue": REQUESTS_PER_SECOND_TARGET},
                    },
                },
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "disruption-budget")),
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": selector(naming.API, SERVER)},
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }
    return [hpa, pdb]
