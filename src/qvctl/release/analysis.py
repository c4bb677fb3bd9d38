"""One measurement of a candidate: the shared PromQL (release/queries.py) asked of the local
Prometheus, over the candidate's own instances, judged against the spec's analysis policy.

A measurement fails when the success rate is below `min_success_rate` or the p99 latency above
`max_p99_latency_ms`; it is inconclusive when the window holds fewer than `min_requests`
requests or Prometheus has no sample yet (an empty result, NaN); it passes otherwise.
"""

from __future__ import annotations

from qvctl.context import QvError
from qvctl.monitoring.prometheus import Prometheus, QueryError
from qvctl.release import queries
from qvctl.release.state import Measurement, Verdict, now
from qvctl.spec.model import Analysis


def value(prometheus: Prometheus, query: str) -> float | None:
    """One figure of the candidate; None while Prometheus has none. A query Prometheus rejects is a bug in
    release/queries.py, not a verdict on the candidate: the command stops, naming Prometheus' reason."""
    try:
        return prometheus.scalar(query)
    except QueryError as err:
        raise QvError(f"Prometheus at {prometheus.address} refused a query: {err}") from None


def matchers(label: str) -> list[str]:
    return ['job="api"', f'version="{label}"']


def measure(prometheus: Prometheus, policy: Analysis, label: str, weight: int, window_seconds: int) -> Measurement:
    selected = matchers(label)
    window = f"{window_seconds}s"
    requests = value(prometheus, queries.request_count(selected, window))
    success = value(prometheus, queries.success_rate(selected, window, policy.min_requests))
    p99 = value(prometheus, queries.p99_latency_ms(selected, window, policy.min_requests))
    verdict, reason = judge(policy, requests, success, p99)
    return Measurement(at=now(), weight=weight, window_seconds=window_seconds, requests=requests,
                       success_rate=success, p99_latency_ms=p99, verdict=verdict, reason=reason)


def judge(policy: Analysis, requests: float | None, success: float | None,
          p99: float | None) -> tuple[Verdict, str]:
    """(verdict, reason): the rules of the module docstring, failures first."""
    if success is not None and success < policy.min_success_rate:
        return "fail", f"success rate {success:.2%} < {policy.min_success_rate:.2%}"
    if p99 is not None and p99 > policy.max_p99_latency_ms:
        return "fail", f"p99 latency {p99:.0f} ms > {policy.max_p99_latency_ms} ms"
    if success is None or p99 is None:
        seen = "no sample yet" if requests is None else f"{requests:.0f} requests"
        return "inconclusive", f"{seen}, fewer than the {policy.min_requests} a measurement needs"
    return "pass", f"success rate {success:.2%}, p99 {p99:.0f} ms over {requests or 0:.0f} requests"
