"""The dashboards against the live local platform: every metric a panel query names is one a target
exposes, and `qvctl dashboards snapshot` draws every panel with data.

Read-only: nothing here starts or stops a component. The platform is the session's shared one
(conftest.py); this module runs after test_backup.py and before test_local_platform.py takes the
platform down, so the platform has been up (and archived WAL, and taken backups) for minutes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from qvctl.monitoring.metric_names import metric_names
from qvctl.monitoring.prometheus import Prometheus, local_address
from qvctl.monitoring.snapshot.boards import committed_boards

from .conftest import SPEC, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# A target's metrics appear within a scrape or two; a platform just up may not have all yet.
SETTLE_SECONDS = 90
# Series seen this recently are what targets expose now, not what a stopped one exposed earlier.
RECENT_SECONDS = 300
RULE_FILES = ("monitoring/rules/*.yml", f"monitoring/generated/{SPEC.name}/rules/*.yml")


def recorded_names(root: Path) -> set[str]:
    """Names the platform's recording rules define: Prometheus computes them, no target exposes them."""
    names: set[str] = set()
    for pattern in RULE_FILES:
        for path in sorted(root.glob(pattern)):
            for group in (yaml.safe_load(path.read_text()) or {}).get("groups", []):
                names.update(rule["record"] for rule in group.get("rules", []) if "record" in rule)
    return names


def missing_metrics(platform: Platform) -> dict[str, list[str]]:
    """Metric name -> the panels whose queries name it, for every name no target exposes."""
    with Prometheus(local_address(SPEC), verify=platform.trust_as_qvctl()) as prometheus:
        exposed = prometheus.metric_names(since=time.time() - RECENT_SECONDS)
    known = exposed | recorded_names(platform.checkout)
    missing: dict[str, list[str]] = {}
    for board in committed_boards(platform.checkout):
        for panel in board.panels:
            for target in panel.targets:
                for name in sorted(metric_names(target.expr) - known):
                    missing.setdefault(name, []).append(f"{board.title} / {panel.title}")
    return missing


def test_every_panel_query_names_only_metrics_a_target_exposes(platform: Platform) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    missing = missing_metrics(platform)
    while missing and time.monotonic() < deadline:
        time.sleep(15)
        missing = missing_metrics(platform)
    assert missing == {}, "metrics no target of the platform exposes: " + "; ".join(
        f"{name} ({', '.join(panels)})" for name, panels in sorted(missing.items()))


def test_snapshot_writes_the_page_and_every_panel_has_data(platform: Platform, tmp_path: Path) -> None:
    # Traffic through nginx, so the API's panels have requests of every kind to show.
    with platform.client() as client:
        for _ in range(3):
            assert client.get("/readyz").status_code == 200
            created = client.post("/api/v1/portfolios", json={"name": "dashboards", "base_currency": "USD"})
            assert created.status_code == 201, created.text
            assert client.delete(f"/api/v1/portfolios/{created.json()['id']}").status_code == 204
    # rate() needs two scrapes after the traffic: snapshot again until every panel has data, up to a
    # deadline, rather than sleeping a fixed time and hoping both scrapes came.
    page = tmp_path / "snapshot.html"
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        done = platform.qvctl("dashboards", "snapshot", "--output", str(page), timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"page: {page}" in done.stdout
        html = page.read_text()
        panels = re.findall(r'<figure class="panel [a-z]+" id="([^"]+)" data-panel="[^"]*" data-series="(\d+)"',
                            html)
        empty = [anchor for anchor, series in panels if series == "0"]
        if not empty or time.monotonic() > deadline:
            break
        time.sleep(15)
    boards = committed_boards(platform.checkout)
    assert len(panels) == sum(len(b.panels) for b in boards), "every panel of every dashboard is on the page"
    assert empty == [], f"panels without data: {empty}\n{done.stdout}"
