"""The committed dashboards read back from their Grafana JSON: what the snapshot draws is exactly
what a Grafana provisioned from monitoring/dashboards/generated/ would show."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.monitoring.dashboards import DASHBOARDS, OUTPUT_DIR


@dataclass(frozen=True)
class Target:
    expr: str
    legend: str  # Grafana's legend format ("{{route}}"); empty: the series' labels
    instant: bool  # one value now rather than a range


@dataclass(frozen=True)
class Panel:
    title: str
    kind: str  # "timeseries" or "stat"
    unit: str  # Grafana's unit id ("s", "bytes", "percentunit", ...)
    row: str  # the title of the row above it
    description: str
    targets: tuple[Target, ...]
    min_interval: str | None  # Grafana's "min interval": the smallest step to query with
    decimals: int | None = None  # a stat's fixed decimals (an SLO's 99.950 %, not 100 %)


@dataclass(frozen=True)
class Board:
    name: str  # the file's name without .json
    uid: str
    title: str
    description: str
    variables: dict[str, str]  # each variable's current value
    panels: tuple[Panel, ...]


def _defaults(panel: dict[str, Any]) -> dict[str, Any]:
    defaults: dict[str, Any] = panel.get("fieldConfig", {}).get("defaults", {})
    return defaults


def read_board(name: str, document: dict[str, Any]) -> Board:
    panels: list[Panel] = []
    row = ""
    for panel in document.get("panels", []):
        if panel.get("type") == "row":
            row = str(panel.get("title", ""))
            continue
        targets = tuple(Target(str(t.get("expr", "")), str(t.get("legendFormat") or ""), bool(t.get("instant")))
                        for t in panel.get("targets", []) if not t.get("hide"))
        defaults = _defaults(panel)
        decimals = defaults.get("decimals")
        panels.append(Panel(str(panel.get("title", "")), str(panel.get("type", "")),
                            str(defaults.get("unit") or "none"), row, str(panel.get("description") or ""), targets,
                            panel.get("interval") or None, decimals if isinstance(decimals, int) else None))
    variables = {str(v["name"]): str((v.get("current") or {}).get("value") or "")
                 for v in document.get("templating", {}).get("list", [])}
    return Board(name, str(document.get("uid", "")), str(document.get("title", name)),
                 str(document.get("description") or ""), variables, tuple(panels))


def committed_boards(root: Path) -> list[Board]:
    """Every dashboard's committed JSON, in the order of DASHBOARDS."""
    boards = []
    for name, _ in DASHBOARDS:
        path = root / OUTPUT_DIR / f"{name}.json"
        relative = f"{OUTPUT_DIR}/{name}.json"
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            raise QvError(f"{relative} does not exist; run `qvctl render`", ExitStatus.INVALID_INPUT) from None
        except json.JSONDecodeError as err:
            raise QvError(f"{relative}: not JSON ({err}); run `qvctl render`", ExitStatus.INVALID_INPUT) from None
        boards.append(read_board(name, document))
    return boards
