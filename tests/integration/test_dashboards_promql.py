"""Every panel query of the committed dashboards is valid PromQL: promtool parses each one (its
Grafana variables replaced as the snapshot replaces them) as a recording rule. Grafana cannot
run here; this is the static half of its verification, the snapshot the live half."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from qvctl.monitoring.scrape import SCRAPE_INTERVAL_SECONDS
from qvctl.monitoring.snapshot.boards import Board, committed_boards
from qvctl.monitoring.snapshot.variables import builtins, substitute
from tests.conftest import ROOT


def _check(tmp_path: Path, exprs: dict[str, str]) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    rules = {"groups": [{"name": "dashboards", "rules": [{"record": name, "expr": expr}
                                                         for name, expr in exprs.items()]}]}
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)


def _queries(board: Board) -> dict[str, str]:
    values = {**board.variables, **builtins(3600, 15, SCRAPE_INTERVAL_SECONDS)}
    return {f"dashboard:{board.name}:{p}_{t}": substitute(target.expr, values)
            for p, panel in enumerate(board.panels) for t, target in enumerate(panel.targets)}


def test_every_panel_query_parses(tmp_path: Path) -> None:
    exprs = {name: expr for board in committed_boards(ROOT) for name, expr in _queries(board).items()}
    assert len(exprs) > 50
    done = _check(tmp_path, exprs)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_query_is_rejected(tmp_path: Path) -> None:
    done = _check(tmp_path, {"dashboard:broken": "sum by (route (rate(qv_http_requests_total[1m]))"})
    assert done.returncode != 0
