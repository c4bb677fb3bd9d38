"""Prometheus Operator objects: how the in-cluster Prometheus finds the API's /metrics."""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.spec import Environment

SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1"


def service_monitor(env: Environment) -> Manifest:
    ns = env.kubernetes.namespace
    return {
        "apiVersion": SERVICE_MONITOR_API_VERSION,
        "kind": "ServiceMonitor",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "monitoring")),
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": naming.API, "quantumvest.io/metrics": "true"}},
            "namespaceSelector": {"matchNames": [ns]},
            # The pod-template hash becomes a series label: the rollout analysis queries by it.
            "podTargetLabels": ["rollouts-pod-template-hash"],
            "endpoints": [{"port": "http", "path": naming.METRICS_PATH, "interval": "30s", "scheme": "http"}],
        },
    }
