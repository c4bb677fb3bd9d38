"""The API's SLOs as rules: recorded error ratios per window and the burn-rate alerts, from the spec's `slo`.

Two SLIs, both over every request but the scrapes and probes (they are not users):
- availability: the fraction of requests answered with a 5xx;
- latency: the fraction answered slower than `slo.latency.threshold_seconds`, one bucket bound of
  the API's histogram (the spec refuses any other value), so it is counted exactly, not estimated.

Each SLO gets one alert name with a rule per burn window (burn_rates.WINDOWS): the fast burn is
critical and pages, the slow burn a warning that Alertmanager silences while the fast one fires.
"""

from __future__ import annotations

from qvctl.monitoring.burn_rates import PERIOD_DAYS, RATE_WINDOWS, WINDOWS, BurnWindow
from qvctl.monitoring.rulefmt import alert, record, rule_file
from qvctl.spec import Environment

# Requests that are not users': Prometheus' scrapes and the load balancers' and kubelet's probes.
EXCLUDED_ROUTES = ("/metrics", "/readyz", "/healthz")
# The SLIs' requests as label matchers: the alerts' rules and the SLO dashboard count the same ones.
USER_REQUESTS = ('job="api"', f'route!~"{"|".join(EXCLUDED_ROUTES)}"')
_REQUESTS = ", ".join(USER_REQUESTS)

ERRORS = "api:qv_http_request_errors:ratio_rate"
SLOW = "api:qv_http_request_slow:ratio_rate"


def le_label(seconds: float) -> str:
    """A bucket bound as the API's client writes it in `le` (prometheus_client: repr of the float, so
    1 is "1.0"); Prometheus 2 compares label values as strings."""
    return repr(float(seconds))


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def records(env: Environment) -> list[dict[str, object]]:
    le = le_label(env.slo.latency.threshold_seconds)
    rules: list[dict[str, object]] = []
    for window in RATE_WINDOWS:
        # One selector a line: the rules also sit deep inside a PrometheusRule (kubernetes/<env>/).
        total = f"sum(rate(\n  qv_http_requests_total{{{_REQUESTS}}}[{window}]\n))"
        # `or vector(0)`: a window with requests and no 5xx is a ratio of 0, not a missing series.
        errors = f'(sum(rate(\n  qv_http_requests_total{{{_REQUESTS}, status=~"5.."}}[{window}]\n)) or vector(0))'
        rules.append(record(f"{ERRORS}{window}", f"{errors}\n/\n{total}\n"))
        fast = f'sum(rate(\n  qv_http_request_duration_seconds_bucket{{{_REQUESTS}, le="{le}"}}[{window}]\n))'
        counted = f"sum(rate(\n  qv_http_request_duration_seconds_count{{{_REQUESTS}}}[{window}]\n))"
        rules.append(record(f"{SLOW}{window}", f"1 - (\n{fast}\n/\n{counted}\n)\n"))
    return rules


def _burn_expr(ratio: str, objective: float, window: BurnWindow) -> str:
    threshold = f"({window.rate:g} * (1 - {objective!r}))"
    return f"{ratio}{window.long} > {threshold}\nand\n{ratio}{window.short} > {threshold}\n"


def _budget_gone_in(window: BurnWindow) -> str:
    days = PERIOD_DAYS / window.rate
    return f"{days:.1f} days" if days >= 2 else f"{days * 24:.0f} hours"


def burn_alerts(env: Environment) -> list[dict[str, object]]:
    availability = env.slo.availability.objective
    latency = env.slo.latency
    rules: list[dict[str, object]] = []
    for window in WINDOWS:
        pace = (f"over the last {window.long}, and still over the last {window.short}. At this rate "
                f"({window.rate:g} times the sustainable pace) the {PERIOD_DAYS}-day error budget is gone in "
                f"{_budget_gone_in(window)}.")
        rules.append(alert(
            "APIAvailabilityBudgetBurn", _burn_expr(ERRORS, availability, window),
            for_=window.for_, severity=window.severity, area="api", labels={"slo": "availability"},
            summary=f"The API is spending its availability error budget {window.rate:g} times too fast.",
            description=(f"{{{{ $value | humanizePercentage }}}} of API requests were answered with a 5xx "
                         f"{pace} The objective ({_percent(availability)} without a 5xx) allows "
                         f"{_percent(1 - availability)}."),
        ))
        rules.append(alert(
            "APILatencyBudgetBurn", _burn_expr(SLOW, latency.objective, window),
            for_=window.for_, severity=window.severity, area="api", labels={"slo": "latency"},
            summary=f"The API is spending its latency error budget {window.rate:g} times too fast.",
            description=(f"{{{{ $value | humanizePercentage }}}} of API requests took longer than "
                         f"{latency.threshold_seconds:g} s {pace} The objective ({_percent(latency.objective)} "
                         f"within {latency.threshold_seconds:g} s) allows {_percent(1 - latency.objective)}."),
        ))
    return rules


def slo_rules(env: Environment) -> dict[str, object]:
    # One group: its rules run in order at each evaluation, so the alerts read the ratios recorded
    # at the same instant (two groups run independently, and an alert could read the ones before).
    return rule_file(("api-slo", records(env) + burn_alerts(env)))
