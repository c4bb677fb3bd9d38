"""The PromQL a new version is judged by, for both executors (one source, two executors).

Argo Rollouts' AnalysisTemplate (kubernetes/<env>/) selects the new pods by their
`rollouts_pod_template_hash`; the local executor selects the new instances by the `version` label
their scrape targets carry. The same expressions otherwise, so a version that passes here passes
there for the same reason.

Every query answers an empty vector when the window holds fewer than `min_requests` requests:
empty is inconclusive for both executors, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from qvctl.monitoring.slo import EXCLUDED_ROUTES

REQUESTS = "qv_http_requests_total"
LATENCY_BUCKETS = "qv_http_request_duration_seconds_bucket"
# The probes' and Prometheus' own requests say nothing about a release (the SLO's rule too).
_NOT_JUDGED = f'route!~"{"|".join(EXCLUDED_ROUTES)}"'
_5XX = 'status=~"5.."'


def _series(metric: str, matchers: Sequence[str], window: str, *extra: str) -> str:
    body = "".join(f"    {m},\n" for m in (*matchers, _NOT_JUDGED, *extra))
    return f"{metric}{{\n{body}  }}[{window}]"


def _enough(matchers: Sequence[str], window: str, min_requests: int) -> str:
    return f"and on() (\n  sum(increase({_series(REQUESTS, matchers, window)}))\n  >= {min_requests}\n)\n"


def success_rate(matchers: Sequence[str], window: str, min_requests: int) -> str:
    """The lowest share of non-5xx answers among the whole version and each route that had at least
    `min_requests` requests: a busy route's regression shows even where the whole hides it, and a
    quiet route's errors still count in the whole."""
    every = f"sum by (route) (increase({_series(REQUESTS, matchers, window)}))"
    # A route that answered only errors has no non-5xx series: count errors, and no error as 0.
    errors = f"(\n  sum by (route) (increase({_series(REQUESTS, matchers, window, _5XX)}))\n  or {every} * 0\n)"
    per_route = f"(\n  (1 - {errors} / {every})\n  and ({every} >= {min_requests})\n)"
    # The whole version as one more "route", so that `or` keeps it beside the routes' shares.
    overall = f'label_replace(\n  1 - sum({errors}) / sum({every}),\n  "route", "(all)", "", ""\n)'
    return f"min(\n{per_route}\nor\n{overall}\n)\n{_enough(matchers, window, min_requests)}"


def p99_latency_ms(matchers: Sequence[str], window: str, min_requests: int) -> str:
    buckets = f"sum by (le) (increase({_series(LATENCY_BUCKETS, matchers, window)}))"
    return f"1000 * histogram_quantile(0.99, {buckets})\n{_enough(matchers, window, min_requests)}"


def request_count(matchers: Sequence[str], window: str) -> str:
    return f"sum(increase({_series(REQUESTS, matchers, window)}))"
