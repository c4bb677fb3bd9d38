"""The release analysis' PromQL evaluated by Prometheus' own engine (`promtool test rules`) on
series written here: what each query answers, not only that it parses."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from qvctl.release import queries

SELECTED = ['job="api"', 'version="v2"']
WINDOW = "60s"
MIN_REQUESTS = 20
ROUTE_A = "/api/v1/portfolios/{portfolio_id}/holdings"
ROUTE_B = "/api/v1/portfolios/{portfolio_id}"


def _requests(route: str, status: str, per_scrape: int) -> dict[str, str]:
    labels = f'job="api", version="v2", instance="127.0.3.1:8001", method="GET", route="{route}", status="{status}"'
    return {"series": f"qv_http_requests_total{{{labels}}}", "values": f"0+{per_scrape}x20"}


def _evaluate(tmp_path: Path, series: list[dict[str, str]], expr: str, expected: list[dict[str, Any]]) -> str:
    """promtool's verdict on `expr` at 4 minutes (scrapes every 15 s): '' when it answers `expected`."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    (tmp_path / "none.yml").write_text("groups: []\n")
    test = {"rule_files": ["none.yml"], "evaluation_interval": "15s", "tests": [{
        "interval": "15s", "input_series": series,
        "promql_expr_test": [{"expr": expr, "eval_time": "4m", "exp_samples": expected}]}]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test, sort_keys=False))
    done = subprocess.run([promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                          check=False)
    return "" if done.returncode == 0 else done.stdout + done.stderr


def _success_rate() -> str:
    return queries.success_rate(SELECTED, WINDOW, MIN_REQUESTS)


def test_one_failing_route_is_judged_by_its_own_share_not_by_the_whole_version(tmp_path: Path) -> None:
    # Route B answers 5 % errors; with route A's traffic the version as a whole is above 99 %.
    series = [_requests(ROUTE_A, "200", 300), _requests(ROUTE_B, "200", 19), _requests(ROUTE_B, "500", 1)]
    assert _evaluate(tmp_path, series, _success_rate(), [{"labels": "{}", "value": 0.95}]) == ""


def test_the_check_above_can_fail(tmp_path: Path) -> None:
    series = [_requests(ROUTE_A, "200", 300), _requests(ROUTE_B, "200", 19), _requests(ROUTE_B, "500", 1)]
    overall = (300 + 19) / 320
    assert _evaluate(tmp_path, series, _success_rate(), [{"labels": "{}", "value": overall}]) != ""


def test_a_route_that_answers_only_errors_has_a_share_of_zero(tmp_path: Path) -> None:
    series = [_requests(ROUTE_A, "200", 10), _requests(ROUTE_B, "500", 10)]
    assert _evaluate(tmp_path, series, _success_rate(), [{"labels": "{}", "value": 0}]) == ""


def test_a_quiet_route_is_not_judged_alone_but_counts_in_the_whole_version(tmp_path: Path) -> None:
    # Route B: 4 requests in the window, all failed (too few to judge alone); route A: 120, none failed.
    series = [_requests(ROUTE_A, "200", 30), _requests(ROUTE_B, "500", 1)]
    assert _evaluate(tmp_path, series, _success_rate(), [{"labels": "{}", "value": 120 / 124}]) == ""


@pytest.mark.parametrize("query", ["success_rate", "p99_latency_ms"])
def test_fewer_than_min_requests_answer_nothing(tmp_path: Path, query: str) -> None:
    series = [_requests(ROUTE_A, "200", 1)]  # 4 requests a minute
    expr = getattr(queries, query)(SELECTED, WINDOW, MIN_REQUESTS)
    assert _evaluate(tmp_path, series, expr, []) == ""


def test_probe_and_scrape_routes_are_not_counted(tmp_path: Path) -> None:
    series = [_requests(ROUTE_A, "200", 10), _requests("/readyz", "503", 100), _requests("/metrics", "500", 100)]
    assert _evaluate(tmp_path, series, _success_rate(), [{"labels": "{}", "value": 1}]) == ""


def test_p99_latency_in_milliseconds_from_the_histogram(tmp_path: Path) -> None:
    def bucket(le: str, per_scrape: int) -> dict[str, str]:
        labels = f'job="api", version="v2", method="GET", route="{ROUTE_A}", le="{le}"'
        return {"series": f"qv_http_request_duration_seconds_bucket{{{labels}}}", "values": f"0+{per_scrape}x20"}

    # Every request between 0.5 s and 1 s: the 99th percentile interpolates to 995 ms.
    series = [_requests(ROUTE_A, "200", 10), bucket("0.5", 0), bucket("1", 10), bucket("+Inf", 10)]
    expr = queries.p99_latency_ms(SELECTED, WINDOW, MIN_REQUESTS)
    assert _evaluate(tmp_path, series, expr, [{"labels": "{}", "value": 995}]) == ""
