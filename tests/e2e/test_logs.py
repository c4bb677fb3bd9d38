"""`qvctl logs` on the live platform: a request sent through nginx without an id gets one from
nginx, and that id finds nginx's line and the API's; PostgreSQL logs JSON lines of its own.

Runs on the session's platform (conftest.py) before test_local_platform.py takes it down.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from qvctl.platform.components import local_hosts

from .conftest import ENVIRONMENT, SPEC, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_request_id_from_nginx_finds_its_nginx_line_and_its_api_line(platform: Platform) -> None:
    with platform.client() as client:
        # /readyz: proxied to an API instance like every route, and open to any caller.
        response = client.get("/readyz")  # no X-Request-ID of ours
    assert response.status_code == 200, response.text
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), f"not nginx's $request_id: {request_id!r}"

    # nginx writes its access line once the response is sent: look again until a deadline.
    deadline = time.monotonic() + 30
    while True:
        done = platform.qvctl("logs", "--env", ENVIRONMENT, "--request-id", request_id, timeout=60)
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stdout.splitlines() if request_id in line]
        components = {line.split()[0].rpartition("/")[2] for line in lines}
        if {"nginx", "api"} <= components:
            break
        assert time.monotonic() < deadline, f"after 30 s, only: {done.stdout}"
        time.sleep(0.5)
    assert all(line.split()[0].rpartition("/")[2] in ("nginx", "api") for line in lines), done.stdout
    access = next(line for line in lines if line.split()[0].endswith("/api") and '"route"' in line)
    assert '"route": "/readyz"' in access and '"status": 200' in access


def test_postgresql_logs_json_lines_that_qvctl_logs_reads(platform: Platform) -> None:
    first = next(h.name for h in local_hosts(SPEC) if h.group == "database")
    done = platform.qvctl("logs", "--env", ENVIRONMENT, f"{first}/postgresql", "-n", "5", "--output", "json",
                          timeout=60)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records, "no PostgreSQL records"
    assert any("error_severity" in (r.get("fields") or {}) for r in records), records
    assert all(r["host"] == first and r["component"] == "postgresql" and r["time"] for r in records)
