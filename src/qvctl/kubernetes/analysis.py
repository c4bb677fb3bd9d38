"""The AnalysisTemplate a rollout is judged by: PromQL over the new revision's pods only."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import ROLLOUTS_API_VERSION, Manifest, labels, metadata
from qvctl.release import queries
from qvctl.spec import Environment

ANALYSIS_TEMPLATE = "api-health"


def blue_green_measurements(env: Environment) -> int:
    """Measurements after the switch: enough to fail (failure_limit + 1) and to cover the rollback window."""
    analysis = env.rollout.analysis
    window = env.rollout.blue_green.rollback_window_seconds
    return max(analysis.failure_limit + 1, -(-window // analysis.interval_seconds), 3)


def blue_green_analysis_seconds(env: Environment) -> int:
    return blue_green_measurements(env) * env.rollout.analysis.interval_seconds


def prometheus_address(env: Environment) -> str:
    """The in-cluster Prometheus (Prometheus Operator's governing Service) that scrapes the API."""
    return f"http://prometheus-operated.{naming.MONITORING_NAMESPACE}.svc.cluster.local:{env.ports.prometheus}"


def analysis_queries(env: Environment) -> dict[str, str]:
    """The shared PromQL (release/queries.py) over the new revision's pods only."""
    ns = env.kubernetes.namespace
    analysis = env.rollout.analysis
    window = f"{max(2 * analysis.interval_seconds, 60)}s"
    matchers = [f'namespace="{ns}"', 'service="api-metrics"', 'rollouts_pod_template_hash="{{args.revision-hash}}"']
    return {
        "success-rate": queries.success_rate(matchers, window, analysis.min_requests),
        "p99-latency-ms": queries.p99_latency_ms(matchers, window, analysis.min_requests),
    }


def _conditions(env: Environment) -> dict[str, tuple[str, str]]:
    """(success, failure) per metric. Neither holds on an empty result (too few requests) or NaN:
    Argo Rollouts counts that measurement inconclusive, as the local executor does."""
    analysis = env.rollout.analysis
    measured = "len(result) > 0 && !isNaN(result[0])"
    return {
        "success-rate": (f"{measured} && result[0] >= {analysis.min_success_rate}",
                         f"{measured} && result[0] < {analysis.min_success_rate}"),
        "p99-latency-ms": (f"{measured} && result[0] <= {analysis.max_p99_latency_ms}",
                           f"{measured} && result[0] > {analysis.max_p99_latency_ms}"),
    }


def analysis_template(env: Environment) -> Manifest:
    analysis = env.rollout.analysis
    metrics = []
    for name, query in analysis_queries(env).items():
        success, failure = _conditions(env)[name]
        metric: dict[str, Any] = {
            "name": name,
            "interval": f"{analysis.interval_seconds}s",
            "failureLimit": analysis.failure_limit,
            "inconclusiveLimit": analysis.inconclusive_limit,
            "successCondition": success,
            "failureCondition": failure,
            "provider": {"prometheus": {"address": prometheus_address(env), "query": query}},
        }
        if env.rollout.strategy == "blue_green":
            metric["count"] = blue_green_measurements(env)
        metrics.append(metric)
    return {
        "apiVersion": ROLLOUTS_API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": metadata(ANALYSIS_TEMPLATE, env.kubernetes.namespace, labels(env, naming.API, "analysis")),
        "spec": {"args": [{"name": "revision-hash"}], "metrics": metrics},
    }
