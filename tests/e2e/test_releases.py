"""Releases on the live local platform, under bounded load through nginx (tests/e2e/traffic.py).

Each version is a real commit of the checkout's API: the checkout under test becomes a git
repository, and a faulty version is a commit whose services/api differs by a small patch
(made without touching the working tree). `qvctl deploy` builds it, starts it beside the stable
one and moves traffic by the spec's rollout policy (environments/local.yaml: canary steps 25/50/100 %
of 5 s each, a measurement every 5 s, failure_limit 0, inconclusive_limit 2; blue-green preview 5 s,
window 30 s).

Margin stated for the bad canary: users see at most weight x the version's error rate + 5 points
(nginx's weighted round robin is exact over a window; the 5 points cover one in-flight request per
client thread at each edge of the step).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from qvctl.context import Context
from qvctl.platform import supervisor
from qvctl.platform.paths import EnvPaths
from tests.e2e.conftest import EDGE, ENVIRONMENT, SPEC, Platform
from tests.e2e.traffic import Load
from tests.e2e.versions import (
    ADDS_A_NULLABLE_COLUMN,
    DROPS_A_USED_COLUMN,
    FAILS_EVERY_REQUEST,
    FAILS_ONE_ROUTE,
    SLOWER,
    Edits,
    Repository,
    good,
)

pytestmark = pytest.mark.e2e

RATE = 40.0  # requests per second through nginx while a rollout runs


@pytest.fixture(scope="module")
def repository(platform: Platform) -> Repository:
    return Repository.of_checkout(platform.checkout)


@pytest.fixture
def load(platform: Platform) -> Iterator[Load]:
    with Load(f"https://{EDGE}", platform.trust(), platform.token("rollout-load"), rate=RATE).running() as running:
        yield running


def _releases(platform: Platform) -> dict[str, Any]:
    done = platform.qvctl("releases", ENVIRONMENT, "--output", "json", timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _last(platform: Platform) -> dict[str, Any]:
    history = _releases(platform)["releases"]
    assert history, "no release recorded"
    return history[-1]


def _epoch(iso: str) -> float:
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _servers(platform: Platform) -> str:
    return (platform.state / "releases" / "routing" / "api-servers.conf").read_text()


def _candidate_programs(platform: Platform) -> list[str]:
    paths = EnvPaths.of(Context(root=platform.checkout, environ=dict(os.environ)), ENVIRONMENT)
    return [p.name for p in supervisor.processes(paths) if p.name.startswith("api-candidate")]


def _assert_all_on_stable(platform: Platform) -> None:
    servers = [line for line in _servers(platform).splitlines() if line.startswith("server ")]
    assert servers and all(" stable " in line for line in servers), _servers(platform)
    assert _candidate_programs(platform) == []


def _next(platform: Platform, repository: Repository, name: str, edits: Edits) -> str:
    """A version made from the stable release's commit, as the next release of a project is."""
    stable = _releases(platform)["stable"]
    parent = "HEAD" if "@" not in stable else stable.split("@")[1]
    return repository.version(name, edits, parent=parent)


def _deploy(platform: Platform, version: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return platform.qvctl("deploy", ENVIRONMENT, "--version", version, *extra, timeout=600)


def _aborted(platform: Platform, version: str, *extra: str) -> dict[str, Any]:
    """Deploy `version`, which must end aborted (exit 1, every request back on stable): its record."""
    done = _deploy(platform, version, *extra)
    assert done.returncode == 1, done.stdout + done.stderr
    last = _last(platform)
    assert last["outcome"] == "aborted", last
    _assert_all_on_stable(platform)
    return last


def _failed_measurements(last: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for s in last["steps"] for m in s["measurements"] if m["verdict"] == "fail"]


def test_a_good_version_is_promoted_through_every_step_and_the_old_one_retired(
        platform: Platform, repository: Repository, load: Load) -> None:
    """Its compatible migration (a nullable column) runs once, before the first step, while the
    stable version goes on serving on the schema ahead of its own."""
    before = _releases(platform)["stable"]
    version = _next(platform, repository, "good-1", {**good("good-1"), **ADDS_A_NULLABLE_COLUMN})
    started = time.time()
    done = _deploy(platform, version)
    print(f"\n{done.stdout}")
    assert done.returncode == 0, done.stdout + done.stderr
    last = _last(platform)
    assert last["outcome"] == "promoted"
    assert last["migrations"] == "1 statement, compatible"
    assert [s["weight"] for s in last["steps"]] == [25, 50, 100]
    assert all(s["measurements"] and s["measurements"][-1]["verdict"] == "pass" for s in last["steps"])
    stable = _releases(platform)["stable"]
    assert stable != before and stable.startswith("good-1@")
    servers = [line for line in _servers(platform).splitlines() if line.startswith("server ")]
    assert servers and all(stable in line for line in servers), servers
    _assert_all_on_stable(platform)
    # The stable instances now run the new build: no process of the old one is left.
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    commit = stable.split("@")[1]
    assert running.count(f"/builds/{commit}") >= 2, running
    # ... at their own head, the migration's: it ran.
    for address in SPEC.hosts["app"].addresses or []:
        ready = httpx.get(f"https://{address}:{SPEC.application.port}/readyz?verbose=1", verify=platform.trust(),
                          timeout=5).json()
        assert ready["checks"]["migrations"] == "ok", ready
    ended = time.time()
    print(f"promotion took {ended - started:.1f}s; users saw {load.describe_failures(started, ended)}")
    assert load.between(started, ended) and load.failed_fraction(started, ended) == 0.0, \
        f"a request failed while traffic moved: {load.describe_failures(started, ended)}"


def test_a_version_that_fails_every_request_is_aborted_at_the_first_analysis(
        platform: Platform, repository: Repository, load: Load) -> None:
    version = _next(platform, repository, "fails-all", FAILS_EVERY_REQUEST)
    done = _deploy(platform, version)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "aborted" in done.stderr and "success rate" in done.stderr
    last = _last(platform)
    assert last["outcome"] == "aborted"
    assert [s["weight"] for s in last["steps"]] == [25], "it went past the first step"
    measurements = last["steps"][0]["measurements"]
    assert [m["verdict"] for m in measurements][-1] == "fail"
    _assert_all_on_stable(platform)
    # What users saw while the canary had its 25 %: at most 25 % x 100 % + the stated margin.
    step_start, aborted = _epoch(last["steps"][0]["started"]), _epoch(measurements[-1]["at"]) + 0.5
    during = load.failed_fraction(step_start, aborted)
    print(f"\nfailed fraction during the canary: {during:.3f} over {aborted - step_start:.1f}s")
    assert during <= 0.25 * 1.0 + 0.05
    _assert_no_failures_after(load, aborted + 0.5)


def test_a_version_that_fails_five_percent_of_one_route_is_aborted(
        platform: Platform, repository: Repository, load: Load) -> None:
    failed = _failed_measurements(_aborted(platform, _next(platform, repository, "fails-one-route", FAILS_ONE_ROUTE)))
    assert failed and "success rate" in failed[-1]["reason"]
    # The lowest share is the failing route's, about 95 % (the whole version's is about 98 %).
    assert 0.9 <= failed[-1]["success_rate"] <= 0.97


def test_a_slower_version_with_no_errors_is_aborted(platform: Platform, repository: Repository, load: Load) -> None:
    failed = _failed_measurements(_aborted(platform, _next(platform, repository, "slower", SLOWER)))
    assert failed and "p99 latency" in failed[-1]["reason"]
    assert failed[-1]["success_rate"] == 1.0, "the slow version answered errors"


def test_too_little_traffic_is_inconclusive_and_never_promotes(platform: Platform, repository: Repository) -> None:
    stable = _releases(platform)["stable"]
    # No load: nobody uses the API.
    last = _aborted(platform, _next(platform, repository, "good-quiet", good("good-quiet")))
    assert "inconclusive" in last["reason"]
    verdicts = [m["verdict"] for s in last["steps"] for m in s["measurements"]]
    assert verdicts == ["inconclusive"] * 3  # inconclusive_limit 2: the third ends it
    assert [s["weight"] for s in last["steps"]] == [25]
    assert _releases(platform)["stable"] == stable


def test_a_release_whose_migration_drops_a_used_column_is_refused_before_traffic_moves(
        platform: Platform, repository: Repository) -> None:
    servers = _servers(platform)
    version = _next(platform, repository, "drops-column", DROPS_A_USED_COLUMN)
    done = _deploy(platform, version)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "refused before any traffic moved" in done.stderr and "portfolios.base_currency" in done.stderr
    last = _last(platform)
    assert last["outcome"] == "refused" and last["steps"] == []
    assert _servers(platform) == servers
    assert _candidate_programs(platform) == []


def test_blue_green_a_green_that_fails_its_smoke_checks_never_gets_traffic(
        platform: Platform, repository: Repository, load: Load) -> None:
    version = _next(platform, repository, "green-fails", FAILS_EVERY_REQUEST)
    started = time.time()
    last = _aborted(platform, version, "--strategy", "blue-green")
    assert last["strategy"] == "blue_green"
    assert "smoke check" in last["reason"] and last["steps"] == [] and last["switched_at"] is None
    assert load.failed_fraction(started, time.time()) == 0.0, "users saw the green's failures"


def _assert_no_failures_after(load: Load, start: float, answers: int = 40) -> None:
    """Requests sent after `start` (a second of the load's at least) came back, and none failed: waited
    for by count, not for a fixed time (no answers at all would otherwise pass as no failures)."""
    _wait_for(f"{answers} answers to requests sent after the rollout ended",
              lambda: len(load.between(start, time.time())) >= answers, 60)
    assert load.failed_fraction(start, time.time()) == 0.0, load.describe_failures(start)


def _wait_for(what: str, check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} within {seconds:.0f}s"
        time.sleep(0.5)


def _background_deploy(platform: Platform, version: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "qvctl", "deploy", ENVIRONMENT, "--version", version, *extra],
                            cwd=platform.checkout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def _in_progress(platform: Platform) -> dict[str, Any] | None:
    return _releases(platform)["in_progress"]


def test_blue_green_rollback_inside_the_window_returns_to_blue_at_once(
        platform: Platform, repository: Repository, load: Load) -> None:
    blue = _releases(platform)["stable"]
    version = _next(platform, repository, "green-good", good("green-good"))
    driver = _background_deploy(platform, version, "--strategy", "blue-green")
    try:
        _wait_for("the switch to green", lambda: (_in_progress(platform) or {}).get("phase") == "switched", 120)
        servers = [line for line in _servers(platform).splitlines() if line.startswith("server ")]
        assert servers and all("candidate" in line for line in servers), servers
        asked = time.time()
        done = platform.qvctl("rollback", ENVIRONMENT, timeout=120)
        answered = time.time()
        assert done.returncode == 0, done.stdout + done.stderr
        output, _ = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 1, output
    last = _last(platform)
    assert last["outcome"] == "rolled_back"
    # At once: the running deploy looks for requests 5 times a second and reloads nginx first, and
    # `qvctl rollback` returns only once the rollout has ended. The figure is printed, not asserted
    # (durations belong to bench/): what is asserted is the order of the events.
    on_blue = _epoch(last["all_on_stable_at"])
    print(f"\nrollback: all requests on blue {on_blue - asked:.2f}s after `qvctl rollback` was started")
    assert asked <= on_blue <= answered, (asked, on_blue, answered)
    assert _releases(platform)["stable"] == blue
    _assert_all_on_stable(platform)


def test_killing_qvctl_mid_rollout_then_abort_leaves_every_request_on_stable(
        platform: Platform, repository: Repository, load: Load) -> None:
    stable = _releases(platform)["stable"]
    version = _next(platform, repository, "interrupted", good("interrupted"))
    driver = _background_deploy(platform, version)
    try:
        _wait_for("the first canary step", lambda: (_in_progress(platform) or {}).get("phase") == "progressing", 120)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.communicate(timeout=30)
    status = platform.qvctl("status", ENVIRONMENT, "--output", "json", timeout=120)
    release = json.loads(status.stdout)["release"]
    assert release["rollout"]["version"] == version and release["rollout_driver_alive"] is False
    assert "INTERRUPTED" in platform.qvctl("status", ENVIRONMENT, timeout=120).stdout
    done = platform.qvctl("abort", ENVIRONMENT, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    ended = time.time()
    assert _last(platform)["outcome"] == "aborted"
    assert _releases(platform)["stable"] == stable and _in_progress(platform) is None
    _assert_all_on_stable(platform)
    _assert_no_failures_after(load, ended)
