"""`qvctl logs` as a user runs it, over a state folder of the local platform's own lines: the
prefix, the old `COMPONENT` and `HOST/COMPONENT` forms, one-line errors, -f ended by Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ..conftest import ROOT, run_qvctl

FIXTURES = Path(__file__).parent / "fixtures" / "logs"
REQUEST = "8a7e3d06d9a852254d019f0bb636eb80"


@pytest.fixture
def state(tmp_path: Path) -> dict[str, str]:
    shutil.copytree(FIXTURES / "local", tmp_path / "local")
    return {"QV_STATE_DIR": str(tmp_path)}


def test_a_component_shows_its_last_lines_prefixed(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "nginx", "-n", "2", env=state)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("edge1/nginx  {") for line in lines)


def test_host_slash_component_and_several_components(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "app2/api", "redis", "-n", "100", env=state)
    assert done.returncode == 0, done.stderr
    assert {line.split()[0] for line in done.stdout.splitlines()} == {"app2/api", "cache1/redis"}


def test_a_request_id_prints_the_nginx_line_and_the_api_line(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "--request-id", REQUEST, env=state)
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["edge1/nginx", "app1/api"]


def test_json_output_is_one_object_a_record(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "--level", "error", "--output", "json", "db1/pgbackrest", env=state)
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["level"] == "error" and record["host"] == "db1" and record["text"].count("\n") == 7


def test_an_unknown_component_names_the_known_ones(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "no-such-component", env=state)
    assert done.returncode == 2
    assert done.stderr.startswith("error: no log file for 'no-such-component'") and "known: api, " in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_bad_since_is_one_line_and_exit_2(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "--since", "yesterday", env=state)
    assert done.returncode == 2
    assert done.stderr.startswith("error: --since 'yesterday' is neither an ISO 8601 time")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_until_before_since_is_refused(state: dict[str, str]) -> None:
    done = run_qvctl("logs", "--since", "10m", "--until", "2h", env=state)
    assert done.returncode == 2 and "is before --since" in done.stderr and done.stderr.count("\n") == 1


def test_follow_prints_new_lines_and_ctrl_c_ends_it_cleanly(state: dict[str, str]) -> None:
    log = Path(state["QV_STATE_DIR"]) / "local" / "hosts" / "app1" / "log" / "api.log"
    proc = subprocess.Popen([sys.executable, "-m", "qvctl", "logs", "app1/api", "-n", "1", "-f"], cwd=ROOT,
                            env={**os.environ, **state}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True)
    reader.start()

    def next_line(seconds: float = 20) -> str:
        return lines.get(timeout=seconds)

    try:
        assert next_line().startswith("app1/api  ")  # the history: the last record
        with log.open("a") as out:
            out.write('{"ts": "2026-11-29T21:59:00.000+00:00", "level": "info", "logger": "t", '
                      '"message": "appended while following", "request_id": null}\n')
        deadline = time.monotonic() + 20
        while "appended while following" not in (seen := next_line(max(0.1, deadline - time.monotonic()))):
            pass
        assert seen.startswith("app1/api  ")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0, err
    assert "Traceback" not in err and err == ""
