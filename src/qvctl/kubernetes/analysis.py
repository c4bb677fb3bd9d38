"""The AnalysisTemplate a rollout is judged by: PromQL over the new revision's pods only."""

from __future__ import annotations

from typing import Any

from qvctl.kubernetes import naming
from qvctl.kubernetes.common import ROLLOUTS_API_VERSION, Manifest, labels, metadata
from qvctl.spec import Environment

ANALYSIS_TEMPLATE = "api-health"


def blue_green_measurements(env: Environment) -> int:
    analysis = env.rollout.analysis
    return max(analysis.failure_limit + 1, -(-env.rollout.pause_seconds // analysis.interval_seconds), 3)


def blue_green_analysis_seconds(env: Environment) -> int:
    return blue_green_measurements(env) * env.rollout.analysis.interval_seconds


def prometheus_address(env: Environment) -> str:
    """The in-cluster Prometheus (Prometheus Operator's governing Service) that scrapes the API."""
    return f"http://prometheus-operated.{naming.MONITORING_NAMESPACE}.svc.cluster.local:{env.ports.prometheus}"


def analysis_queries(env: Environment) -> dict[str, str]:
    """PromQL over the new revision's pods only. Multi-line, so the rendered YAML stays readable."""
    ns = env.kubernetes.namespace
    window = f"{max(2 * env.rollout.analysis.interval_seconds, 60)}s"
    revision = "{{args.revision-hash}}"

    def series(metric: str, *extra: str) -> str:
        matchers = [f'namespace="{ns}", service="api-metrics"', f'rollouts_pod_template_hash="{revision}"', *extra]
        return metric + "{\n" + "".join(f"    {m},\n" for m in matchers) + f"  }}[{window}]"

    errors = series("qv_http_requests_total", 'status=~"5.."')
    requests = series("qv_http_requests_total")
    latency = series("qv_http_request_duration_seconds_bucket")
    return {
        # No traffic yet is not an error: both sides fall back to 0, the divisor to a tiny number.
        "error-rate": (
            f"(\n  sum(rate({errors}))\n  or vector(0)\n)\n"
            f"/ clamp_min(\n  sum(rate({requests}))\n  or vector(0), 1e-9\n)\n"
        ),
        "p99-latency-ms": f"1000 * histogram_quantile(0.99, sum by (le) (\n  rate({latency})\n))\n",
    }


def analysis_template(env: Environment) -> Manifest:
    analysis = env.rollout.analysis
    queries = analysis_queries(env)
    conditions = {
        "error-rate": f"result[0] <= {analysis.max_error_rate}",
        # NaN means no request was measured in the window: nothing to judge yet.
        "p99-latency-ms": f"isNaN(result[0]) || result[0] <= {analysis.max_p99_latency_ms}",
    }
    metrics = []
    for name in ("error-rate", "p99-latency-ms"):
        metric: dict[str, Any] = {
            "name": name,
            "interval": f"{analysis.interval_seconds}s",
            "failureLimit": analysis.failure_limit,
            "successCondition": conditions[name],
            "provider": {"prometheus": {"address": prometheus_address(env), "query": queries[name]}},
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
