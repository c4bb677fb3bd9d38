"""Prometheus Operator objects: how the in-cluster Prometheus finds the API's /metrics."""

from __future__ import annotations

from qvctl.kubernetes import naming, service
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
            # HTTPS verified against the namespace CA (the `ca.crt` of the pods' Secret) and a name
            # the pods' certificate carries: Prometheus scrapes pod addresses, which it does not name.
            "endpoints": [
                {
                    "port": "https",
                    "path": naming.METRICS_PATH,
                    "interval": "30s",
                    "scheme": "https",
                    "tlsConfig": {
                        "ca": {"secret": {"name": naming.API_TLS_SECRET, "key": "ca.crt"}},
                        "serverName": naming.service_host(env, service.METRICS),
                    },
                }
            ],
        },
    }
