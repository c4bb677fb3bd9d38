"""The API's service level objectives and their error budgets, from the raw counter and histogram.

Two SLOs over the requests users make (every route but the probes and scrapes, as the alerts count them):
availability (the share not answered 5xx) and latency (the share answered within a threshold,
which must be a bucket boundary of the API's histogram). Each objective is a dashboard variable
whose default is the objective, so a person can ask "what if" in Grafana and the snapshot draws
the default. Burn rate 1 spends the budget exactly over BUDGET_WINDOW; the multiwindow alerts
page on 14.4 (1 h and 5 m) and warn on 6 (6 h and 30 m).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qvctl.monitoring.burn_rates import PERIOD_DAYS
from qvctl.monitoring.dashboards.expressions import per_second, ratio, selector
from qvctl.monitoring.dashboards.panels import Query, Row, chart, custom_variable, dashboard, stat
from qvctl.monitoring.slo import USER_REQUESTS, le_label

UID = "qv-slo"
BUDGET_WINDOW = f"{PERIOD_DAYS}d"
BURN_WINDOWS = ("5m", "30m", "1h", "6h")


@dataclass(frozen=True)
class Objectives:
    availability: float
    latency: float
    latency_threshold_seconds: float


# The objectives the spec's `slo` block is to carry (environments/<env>.yaml). Until it does, every
# environment's dashboard starts from these; `build(objectives)` is where a spec's go.
DEFAULT_OBJECTIVES = Objectives(availability=0.999, latency=0.99, latency_threshold_seconds=0.5)


def _choices(default: str, usual: tuple[str, ...]) -> list[str]:
    return sorted({default, *usual}, key=float)


def _variables(objectives: Objectives) -> list[Any]:
    return [
        custom_variable("availability_objective", "Availability objective",
                        _choices(str(objectives.availability), ("0.99", "0.995", "0.999", "0.9995")),
                        str(objectives.availability)),
        custom_variable("latency_objective", "Latency objective",
                        _choices(str(objectives.latency), ("0.95", "0.99", "0.999")), str(objectives.latency)),
        custom_variable("latency_threshold", "Latency threshold (s)",
                        _choices(le_label(objectives.latency_threshold_seconds), ("0.25", "0.5", "1.0", "2.5")),
                        le_label(objectives.latency_threshold_seconds)),
    ]


def error_ratio(window: str) -> str:
    """Share of user requests answered 5xx over `window`."""
    total = selector("qv_http_requests_total", *USER_REQUESTS)
    errors = selector("qv_http_requests_total", *USER_REQUESTS, 'status=~"5.."')
    return ratio(per_second(errors, window=window), per_second(total, window=window))


def slow_ratio(window: str) -> str:
    """Share of user requests slower than the threshold over `window`."""
    total = per_second(selector("qv_http_request_duration_seconds_count", *USER_REQUESTS), window=window)
    fast = per_second(selector("qv_http_request_duration_seconds_bucket", *USER_REQUESTS,
                               'le="$latency_threshold"'), window=window)
    return ratio(f"({total} - {fast})", total)


def _slo_rows(name: str, bad_ratio: Any, objective: str, good: str) -> Row:
    budget = f"(1 - {objective})"
    return Row(name.capitalize(), [
        stat(f"{good}, time range", Query(f"1 - (\n{bad_ratio('$__range')}\n)"), "percentunit",
             f"Share of user requests that were {good.lower()} over the dashboard's time range.", decimals=3),
        stat(f"{name.capitalize()} budget left ({BUDGET_WINDOW})",
             Query(f"1 - (\n{bad_ratio(BUDGET_WINDOW)}\n) / {budget}"), "percentunit",
             f"What is left of the {BUDGET_WINDOW} error budget; below 0 the objective is missed.", decimals=1),
        chart(f"{name.capitalize()} burn rate",
              [Query(f"(\n{bad_ratio(window)}\n) / {budget}", window) for window in BURN_WINDOWS], "none",
              "How fast the budget burns: 1 spends it exactly over the window, 14.4 in two days."),
        chart(f"{name.capitalize()} budget left over time",
              [Query(f"1 - (\n{bad_ratio(BUDGET_WINDOW)}\n) / {budget}", "budget left")], "percentunit",
              f"The {BUDGET_WINDOW} budget at each moment (evaluated every 5 minutes: a 30-day window is costly).",
              min_interval="5m"),
    ])


def build(objectives: Objectives = DEFAULT_OBJECTIVES) -> Any:
    rows = [
        _slo_rows("availability", error_ratio, "$availability_objective", "Available (not 5xx)"),
        _slo_rows("latency", slow_ratio, "$latency_objective", "Fast (within the threshold)"),
    ]
    return dashboard(UID, "QuantumVest / SLOs and error budgets",
                     "Availability and latency of user requests (all but probes and scrapes) against their objectives.",
                     rows, _variables(objectives))
