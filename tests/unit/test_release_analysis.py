"""How a candidate is judged: the verdict rules, Prometheus' answers read as single values, and the
PromQL both executors share (what it selects, what it leaves out, and that promtool parses it)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.monitoring.prometheus import Prometheus
from qvctl.monitoring.slo import EXCLUDED_ROUTES
from qvctl.release import queries
from qvctl.release.analysis import judge, matchers, measure, value
from qvctl.spec.model import Analysis

POLICY = Analysis(interval_seconds=5, min_success_rate=0.99, max_p99_latency_ms=500, min_requests=20,
                  failure_limit=0, inconclusive_limit=2)


# -- judge ---------------------------------------------------------------------------------

def test_success_rate_below_the_minimum_fails_with_both_figures() -> None:
    verdict, reason = judge(POLICY, 200, 0.95, 100)
    assert verdict == "fail"
    assert "95.00%" in reason and "99.00%" in reason


def test_p99_above_the_maximum_fails_even_with_a_good_success_rate() -> None:
    verdict, reason = judge(POLICY, 200, 1.0, 750)
    assert verdict == "fail"
    assert "750 ms" in reason and "500 ms" in reason


@pytest.mark.parametrize(("requests", "success", "p99", "seen"), [
    (5, None, None, "5 requests"),  # too few requests: the queries' guard answers nothing
    (None, None, None, "no sample yet"),  # Prometheus has no data for the candidate yet
    (200, 1.0, None, "200 requests"),  # no latency sample
    (200, None, 100, "200 requests"),
])
def test_missing_success_rate_or_p99_is_inconclusive(requests: float | None, success: float | None,
                                                    p99: float | None, seen: str) -> None:
    verdict, reason = judge(POLICY, requests, success, p99)
    assert verdict == "inconclusive"
    assert seen in reason and str(POLICY.min_requests) in reason


def test_a_failure_wins_over_a_missing_figure() -> None:
    assert judge(POLICY, 200, 0.5, None)[0] == "fail"
    assert judge(POLICY, 200, None, 900)[0] == "fail"


def test_figures_within_the_policy_pass_and_are_reported() -> None:
    verdict, reason = judge(POLICY, 240, 0.995, 120)
    assert verdict == "pass"
    assert "99.50%" in reason and "120 ms" in reason and "240 requests" in reason


def test_the_limits_themselves_pass() -> None:
    assert judge(POLICY, 20, POLICY.min_success_rate, POLICY.max_p99_latency_ms)[0] == "pass"


# -- single values from Prometheus, against a real HTTP server ------------------------------------------------

class FakePrometheus(ThreadingHTTPServer):
    """Answers /api/v1/query with whatever the test set, and keeps the queries it was asked."""

    status: int
    body: object
    answer: Callable[[str], object] | None  # the body for a query, instead of `body`
    queries: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: FakePrometheus

    def do_GET(self) -> None:
        url = urlparse(self.path)
        assert url.path == "/api/v1/query"
        query = parse_qs(url.query)["query"][0]
        self.server.queries.append(query)
        answer = self.server.answer
        body = self.server.body if answer is None else answer(query)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def prometheus() -> Iterator[FakePrometheus]:
    server = FakePrometheus(("127.0.0.1", 0), _Handler)
    server.status, server.body, server.answer, server.queries = 200, _vector(), None, []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _client(server: FakePrometheus) -> Prometheus:
    return Prometheus(f"http://127.0.0.1:{server.server_address[1]}", timeout=5)


def _vector(*values: str) -> dict[str, object]:
    return {"status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1700000000.0, v]} for v in values]}}


def test_an_empty_result_is_none(prometheus: FakePrometheus) -> None:
    assert value(_client(prometheus), "up") is None
    assert prometheus.queries == ["up"]


def test_nan_is_none(prometheus: FakePrometheus) -> None:
    prometheus.body = _vector("NaN")
    assert value(_client(prometheus), "up") is None


def test_a_value_is_a_float(prometheus: FakePrometheus) -> None:
    prometheus.body = _vector("0.9975")
    assert value(_client(prometheus), 'sum(up{job="api"})') == 0.9975
    assert prometheus.queries == ['sum(up{job="api"})']


def test_a_scalar_answer_is_its_value(prometheus: FakePrometheus) -> None:
    prometheus.body = {"status": "success", "data": {"resultType": "scalar", "result": [1700000000.0, "42"]}}
    assert value(_client(prometheus), "scalar(sum(up))") == 42.0
    prometheus.body = {"status": "success", "data": {"resultType": "scalar", "result": [1700000000.0, "NaN"]}}
    assert value(_client(prometheus), "scalar(sum(up))") is None


def test_a_rejected_query_stops_the_command_with_prometheus_reason(prometheus: FakePrometheus) -> None:
    prometheus.status = 400
    prometheus.body = {"status": "error", "errorType": "bad_data", "error": "parse error at char 5"}
    client = _client(prometheus)
    with pytest.raises(QvError) as caught:
        value(client, "sum(")
    assert caught.value.message == f"Prometheus at {client.address} refused a query: bad_data: parse error at char 5"
    assert caught.value.status == ExitStatus.FAILED


def test_an_answer_without_the_api_envelope_is_unreachable(prometheus: FakePrometheus) -> None:
    prometheus.status = 502
    prometheus.body = b"<html>502 Bad Gateway</html>"  # labelled JSON all the same
    with pytest.raises(QvError) as caught:
        value(_client(prometheus), "up")
    assert "answered /api/v1/query with HTTP 502 and no API response" in caught.value.message
    assert caught.value.status == ExitStatus.UNREACHABLE


def test_measure_asks_the_three_queries_of_the_candidate_and_judges_them(prometheus: FakePrometheus) -> None:
    answers = {"sum(increase": "250", "min(\n": "0.98", "1000 *": "120"}  # count, success rate, p99
    prometheus.answer = lambda query: _vector(next(v for k, v in answers.items() if query.startswith(k)))
    m = measure(_client(prometheus), POLICY, "v2@0123456789ab", weight=25, window_seconds=30)
    assert prometheus.queries == [queries.request_count(SELECTED, "30s"),
                                  queries.success_rate(SELECTED, "30s", POLICY.min_requests),
                                  queries.p99_latency_ms(SELECTED, "30s", POLICY.min_requests)]
    assert (m.weight, m.window_seconds, m.requests, m.success_rate, m.p99_latency_ms) == (25, 30, 250, 0.98, 120)
    assert (m.verdict, m.reason) == ("fail", "success rate 98.00% < 99.00%")


def test_a_closed_port_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(QvError) as caught:
            value(Prometheus(f"http://127.0.0.1:{port}", timeout=2), "up")
    assert caught.value.status == ExitStatus.UNREACHABLE
    assert "does not answer" in caught.value.message


# -- the queries ---------------------------------------------------------------------------

SELECTED = matchers("v2@0123456789ab")
QUERIES = {
    "success_rate": queries.success_rate(SELECTED, "60s", 20),
    "p99_latency_ms": queries.p99_latency_ms(SELECTED, "60s", 20),
}


@pytest.mark.parametrize("name", QUERIES)
def test_queries_select_the_candidate_and_leave_out_the_probes(name: str) -> None:
    query = QUERIES[name]
    assert 'job="api"' in query and 'version="v2@0123456789ab"' in query
    assert "[60s]" in query
    excluded = f'route!~"{"|".join(EXCLUDED_ROUTES)}"'
    assert excluded == 'route!~"/metrics|/readyz|/healthz"'
    # Every series selector carries the exclusion (one per `{` opened on a metric).
    assert query.count(excluded) == query.count("qv_http_")


@pytest.mark.parametrize("name", QUERIES)
def test_queries_answer_nothing_below_min_requests(name: str) -> None:
    tail = QUERIES[name].rstrip()
    assert tail.endswith(">= 20\n)"), tail[-80:]
    assert "and on() (\n  sum(increase(qv_http_requests_total{" in QUERIES[name]


def test_the_guard_counts_the_same_requests_as_the_request_count() -> None:
    count = queries.request_count(SELECTED, "60s")
    assert f"{count}\n  >= 20\n)" in QUERIES["success_rate"]


def _promtool_check(tmp_path: Path, expressions: dict[str, str]) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    rules = {"groups": [{"name": "release", "rules": [
        {"record": f"release:{name}", "expr": expr} for name, expr in expressions.items()]}]}
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)


def test_promtool_parses_the_queries(tmp_path: Path) -> None:
    expressions = {**QUERIES, "request_count": queries.request_count(SELECTED, "60s")}
    done = _promtool_check(tmp_path, expressions)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_check_rejects_a_broken_query(tmp_path: Path) -> None:
    """The check above can fail: a query missing a parenthesis does not parse."""
    done = _promtool_check(tmp_path, {"broken": QUERIES["success_rate"].rstrip()[:-1]})
    assert done.returncode != 0
