"""The snapshot against Prometheus: answers read into series, a rejected query shown on its panel,
an address that does not answer is one line and exit status UNREACHABLE, cloud environments refused."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.monitoring.prometheus import Prometheus, QueryError
from qvctl.monitoring.snapshot.boards import Board, Panel, Target, committed_boards
from qvctl.monitoring.snapshot.snapshot import Window, take
from tests.conftest import ROOT, run_qvctl

WINDOW = Window(1_700_000_000.0, 1_700_003_600.0, 15)


def _matrix(*series: tuple[dict[str, str], list[tuple[float, str]]]) -> dict[str, object]:
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": labels, "values": [[t, v] for t, v in values]} for labels, values in series]}}


def _fake(handler: Callable[[httpx.Request], httpx.Response]) -> Prometheus:
    return Prometheus("http://prometheus.test", transport=httpx.MockTransport(handler))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_range_answer_is_read_into_series() -> None:
    seen: list[httpx.QueryParams] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params)
        return httpx.Response(200, json=_matrix(({"route": "/a"}, [(WINDOW.start, "1"), (WINDOW.start + 15, "NaN")])))

    with _fake(handler) as prometheus:
        series = prometheus.query_range("up", WINDOW.start, WINDOW.end, 15)
    assert series[0].labels == {"route": "/a"} and series[0].points[0] == (WINDOW.start, 1.0)
    assert series[0].has_data
    assert seen[0]["step"] == "15" and seen[0]["query"] == "up"


def test_a_rejected_query_is_a_query_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "parse error"})

    with _fake(handler) as prometheus, pytest.raises(QueryError, match="bad_data: parse error"):
        prometheus.query_range("sum(", WINDOW.start, WINDOW.end, 15)


def test_an_answer_that_is_not_prometheus_is_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="Service Unavailable")

    with _fake(handler) as prometheus, pytest.raises(QvError) as caught:
        prometheus.query("up", WINDOW.end)
    assert caught.value.status == ExitStatus.UNREACHABLE
    assert "http://prometheus.test answered /api/v1/query with HTTP 503" in caught.value.message


def test_an_address_that_does_not_answer_is_unreachable() -> None:
    address = f"http://127.0.0.1:{_free_port()}"
    with Prometheus(address) as prometheus, pytest.raises(QvError) as caught:
        prometheus.query_range("up", WINDOW.start, WINDOW.end, 15)
    assert caught.value.status == ExitStatus.UNREACHABLE
    assert caught.value.message.startswith(f"Prometheus at {address} does not answer")
    assert "\n" not in caught.value.message


def test_take_queries_every_target_with_its_variables_and_legend() -> None:
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = request.url.params["query"]
        queries.append(f"{request.url.path} {query}")
        if "broken" in query:
            return httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "no"})
        if request.url.path.endswith("/query"):
            return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [WINDOW.end, "0.999"]}]}})
        return httpx.Response(200, json=_matrix(({"route": "/a"}, [(WINDOW.start, "1"), (WINDOW.start + 60, "2")])))

    panels = (
        Panel("rates", "timeseries", "reqps", "r", "", (Target("rate(x[$__rate_interval]) > $min", "{{route}} x",
                                                               False),
                                                        Target("broken[$__rate_interval]", "", False)), None),
        Panel("slow", "timeseries", "none", "r", "", (Target("avg_over_time(y[$__interval])", "", False),), "5m"),
        Panel("now", "stat", "none", "r", "", (Target("z", "", True),), None),
        Panel("unknown", "stat", "none", "r", "", (Target("z / $nobody", "", True),), None),
    )
    board = Board("b", "qv-b", "B", "", {"min": "0", "datasource": ""}, panels)
    [snapshot] = take(_fake(handler), [board], WINDOW, 15, overrides={"min": "1"})
    assert queries == [
        "/api/v1/query_range rate(x[1m]) > 1",
        "/api/v1/query_range broken[1m]",
        "/api/v1/query_range avg_over_time(y[5m])",
        "/api/v1/query z",
    ]
    rates, slow, now, unknown = snapshot.panels
    assert [s.name for s in rates.series] == ["/a x"]
    # the samples are 60 s apart at a 15 s step: a gap between them
    assert len(rates.series[0].points) == 3
    assert rates.problems == ("query B: bad_data: no",)
    assert (rates.data_series, slow.data_series, now.data_series, unknown.data_series) == (1, 1, 1, 0)
    assert unknown.problems == ("query A: no value for $nobody",)
    assert snapshot.panels_with_data == 3


def _repo(tmp_path: Path, prometheus_port: int) -> Path:
    """What the snapshot reads: the specs (Prometheus on a port nothing listens on) and the dashboards."""
    shutil.copytree(ROOT / "environments", tmp_path / "environments")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "monitoring" / "dashboards" / "generated", tmp_path / "monitoring" / "dashboards" /
                    "generated")
    ports = tmp_path / "environments" / "shared" / "ports.yaml"
    document = yaml.safe_load(ports.read_text())
    document["ports"]["prometheus"] = prometheus_port
    ports.write_text(yaml.safe_dump(document))
    return tmp_path


def test_snapshot_of_an_unreachable_prometheus_is_one_line_naming_it(tmp_path: Path) -> None:
    port = _free_port()
    repo = _repo(tmp_path, port)
    page = tmp_path / "page.html"
    done = run_qvctl("dashboards", "snapshot", "--output", str(page), env={"QV_ROOT": str(repo)})
    assert done.returncode == ExitStatus.UNREACHABLE
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: Prometheus at https://127.0.5.1:{port} does not answer")
    assert "Traceback" not in done.stderr
    assert not page.exists()


def test_snapshot_refuses_a_cloud_environment() -> None:
    done = run_qvctl("dashboards", "snapshot", "dev")
    assert done.returncode == ExitStatus.INVALID_INPUT
    assert done.stderr.strip() == ("error: dev is a cloud environment: its Prometheus is read inside its network "
                                   "(Grafana, the Rollout's analysis), not from here")


def test_snapshot_refuses_a_step_that_makes_too_many_points() -> None:
    done = run_qvctl("dashboards", "snapshot", "--range", "30d", "--step", "15s")
    assert done.returncode == 2
    assert "more than 11000 points" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_dashboard_file_says_to_render(tmp_path: Path) -> None:
    repo = _repo(tmp_path, _free_port())
    (repo / "monitoring" / "dashboards" / "generated" / "slo.json").unlink()
    with pytest.raises(QvError, match=r"monitoring/dashboards/generated/slo.json does not exist; run `qvctl render`"):
        committed_boards(repo)


def test_the_committed_json_reads_back_with_every_target() -> None:
    boards = committed_boards(ROOT)
    api = json.loads((ROOT / "monitoring" / "dashboards" / "generated" / "api.json").read_text())
    queries = [t["expr"] for p in api["panels"] for t in p.get("targets", [])]
    assert [t.expr for p in boards[0].panels for t in p.targets] == queries
    assert boards[0].variables["datasource"] == ""
    slo = next(b for b in boards if b.name == "slo")
    assert slo.variables["availability_objective"] == "0.999"
    assert {p.kind for b in boards for p in b.panels} == {"timeseries", "stat"}
