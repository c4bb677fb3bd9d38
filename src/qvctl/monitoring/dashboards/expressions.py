"""PromQL the dashboards share: selectors, per-second rates, ratios that stay defined without traffic."""

from __future__ import annotations

# Grafana's interval for rate(): at least four scrapes, whatever the zoom.
RATE_INTERVAL = "$__rate_interval"


def selector(metric: str, *matchers: str) -> str:
    return f"{metric}{{{', '.join(matchers)}}}" if matchers else metric


def per_second(series: str, by: str = "", window: str = RATE_INTERVAL) -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({series}[{window}]))"


def zero_filled(series: str, everything: str, by: str) -> str:
    """`series`' rate by `by`, and 0 where `everything` has traffic but `series` none: a counter
    with a status label appears only after its first such response, and "no 5xx yet" is a 0 on
    a chart, not a hole."""
    return f"{per_second(series, by)}\nor\n0 * {per_second(everything, by)}"


def ratio(part: str, whole: str) -> str:
    """part / whole of two aggregated expressions; no traffic is a ratio of 0, not a division by zero
    (the rollout analysis reads its error rate the same way)."""
    return f"({part} or vector(0))\n/\nclamp_min({whole} or vector(0), 1e-9)"
