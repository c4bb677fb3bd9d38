"""The API's SLO rules for the in-cluster Prometheus, as a PrometheusRule.

In the cloud the API's pods are scraped by the Prometheus inside the cluster (the ServiceMonitor
of monitoring.py), not by the observability host's, so that is where the burn-rate rules must be
evaluated. They are the same rules, with the same objectives from the spec, as the local platform
loads from monitoring/generated/<env>/rules/slo.yml: one builder, two places.
"""

from __future__ import annotations

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.monitoring.slo import slo_rules
from qvctl.spec import Environment

PROMETHEUS_RULE_API_VERSION = "monitoring.coreos.com/v1"


def prometheus_rule(env: Environment) -> Manifest:
    return {
        "apiVersion": PROMETHEUS_RULE_API_VERSION,
        "kind": "PrometheusRule",
        "metadata": metadata(f"{naming.API}-slo", env.kubernetes.namespace, labels(env, naming.API, "monitoring")),
        "spec": {"groups": slo_rules(env)["groups"]},
    }
