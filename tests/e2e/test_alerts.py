"""Alerts on the live local platform: a real fault fires a real rule, Alertmanager routes it to the
receiver the spec names (a webhook this test serves on the spec's loopback URL), and the fault's
end resolves it. Each test prints the time from fault to notification; the rules' `for:` bound it.

Runs first among the e2e modules (file order), on the shared platform, and leaves it as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qvctl.context import Context
from qvctl.platform import supervisor
from qvctl.platform.components import local_hosts
from qvctl.platform.paths import EnvPaths
from tests.e2e.conftest import ENVIRONMENT, SPEC, Platform

pytestmark = pytest.mark.e2e

RECEIVER_URL = next(r.url for r in SPEC.alerting.receivers if r.name == SPEC.alerting.default_receiver)
APP_ROLE = f"{SPEC.project}_app"
# The availability SLO's burn alert: critical is the fast burn (monitoring/generated/<env>/rules/slo.yml).
FAST_BURN = "APIAvailabilityBudgetBurn"


@dataclass
class Receiver:
    """What Alertmanager delivered: one entry per (alertname, status, instance_host) seen."""

    notifications: list[dict[str, object]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, alertname: str, status: str, **labels: str) -> float | None:
        with self.lock:
            for note in self.notifications:
                for alert in note["alerts"]:  # type: ignore[attr-defined]
                    got = alert["labels"]
                    if (got.get("alertname") == alertname and alert["status"] == status
                            and all(got.get(k) == v for k, v in labels.items())):
                        return float(note["received"])  # type: ignore[arg-type]
        return None

    def wait(self, alertname: str, status: str, deadline_s: float, **labels: str) -> float:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            at = self.seen(alertname, status, **labels)
            if at is not None:
                return at
            time.sleep(1)
        with self.lock:
            names = sorted({(a["labels"]["alertname"], a["status"]) for n in self.notifications
                            for a in n["alerts"]})  # type: ignore[attr-defined]
        pytest.fail(f"{alertname} {status} {labels} not delivered within {deadline_s:.0f} s; delivered: {names}")


@pytest.fixture(scope="module")
def receiver(platform: Platform) -> Iterator[Receiver]:
    got = Receiver()
    parts = urllib.parse.urlsplit(RECEIVER_URL)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            body["received"] = time.monotonic()
            with got.lock:
                got.notifications.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got
    server.shutdown()
    server.server_close()


def _paths(platform: Platform) -> EnvPaths:
    return EnvPaths.of(Context(root=platform.checkout, environ=dict(os.environ)), ENVIRONMENT)


def test_a_stopped_api_instance_pages_and_resolves(platform: Platform, receiver: Receiver) -> None:
    api = supervisor.rpc(_paths(platform))
    stopped = time.monotonic()
    api.stop_process("api-app1")
    try:
        fired = receiver.wait("APIInstanceDown", "firing", 240, instance_host="app1")
    finally:
        api.start_process("api-app1")
    started = time.monotonic()
    resolved = receiver.wait("APIInstanceDown", "resolved", 180, instance_host="app1")
    print(f"\nAPIInstanceDown: fired {fired - stopped:.0f} s after the stop (for: 1m, scrape and evaluation 15 s, "
          f"group_wait {SPEC.alerting.group_wait}); resolved {resolved - started:.0f} s after the start")
    assert receiver.seen("APIInstanceDown", "firing", instance_host="app2") is None


def _leader_socket(platform: Platform) -> str:
    for host in local_hosts(SPEC):
        if host.group != "database":
            continue
        socket_dir = platform.state / "hosts" / host.name / "run" / "postgresql"
        done = _psql(socket_dir, "SELECT pg_is_in_recovery();")
        if done.returncode == 0 and done.stdout.strip() == "f":
            return str(socket_dir)
    pytest.fail("no member of the primary cluster answers as the leader")


def _psql(socket_dir: object, sql: str) -> subprocess.CompletedProcess[str]:
    """As root on the unix socket: the superuser by peer authentication (roles/patroni pg_ident).

    The SQL comes on stdin so that psql quotes the :"app_role" identifier itself."""
    psql = shutil.which("psql") or "/usr/bin/psql"
    return subprocess.run([psql, "-h", str(socket_dir), "-p", str(SPEC.ports.postgresql), "-U", "postgres",
                           "-d", SPEC.database.name, "-At", "-v", "ON_ERROR_STOP=1", "-v", f"app_role={APP_ROLE}"],
                          input=sql, capture_output=True, text=True, timeout=30, check=False)


def test_a_burst_of_errors_through_nginx_fires_the_fast_burn_alert(platform: Platform, receiver: Receiver) -> None:
    """The API's role loses SELECT on portfolios: every list through nginx answers 500 until it is back."""
    leader = _leader_socket(platform)
    revoked = _psql(leader, 'REVOKE SELECT ON portfolios FROM :"app_role";')
    assert revoked.returncode == 0, revoked.stderr
    started = time.monotonic()
    statuses: list[int] = []
    try:
        with platform.client() as client:
            deadline = time.monotonic() + 300
            fired = None
            while fired is None and time.monotonic() < deadline:
                for _ in range(20):  # bounded: 20 requests a second at most
                    statuses.append(client.get("/api/v1/portfolios").status_code)
                    time.sleep(0.05)
                fired = receiver.seen(FAST_BURN, "firing", severity="critical")
    finally:
        granted = _psql(leader, 'GRANT SELECT ON portfolios TO :"app_role";')
    assert granted.returncode == 0, granted.stderr
    errors = sum(1 for s in statuses if s >= 500)
    assert errors > 0 and errors == len(statuses), f"{errors} errors of {len(statuses)} requests"
    assert fired is not None, f"{FAST_BURN} (critical) did not fire within 300 s of {errors} 5xx answers"
    print(f"\n{FAST_BURN} (critical, 1h/5m windows at 14.4x, for: 2m): fired {fired - started:.0f} s after the "
          f"first 5xx ({errors} requests)")
    with platform.client() as client:
        assert client.get("/api/v1/portfolios").status_code == 200
