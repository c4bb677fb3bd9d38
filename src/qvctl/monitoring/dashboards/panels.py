"""The building blocks of every dashboard: the data source variable, the two panel kinds the
dashboards use (time series and stat), rows laid out on Grafana's 24-column grid, and the JSON.

Only these kinds, so `qvctl dashboards snapshot` can draw every panel without Grafana: a time
series as a line chart, a stat as its last value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import attr
from grafanalib._gen import DashboardEncoder
from grafanalib.core import (
    Dashboard,
    GridPos,
    RowPanel,
    Stat,
    Target,
    Template,
    Templating,
    Time,
    TimeSeries,
)

# Every panel and target reads the data source the `datasource` variable selects, so one JSON
# works against whichever Prometheus a Grafana names (the grafana role provisions it).
DATASOURCE_VARIABLE = "datasource"
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}
# Grafana 9's dashboard schema: older numbers make Grafana migrate the panels on load.
SCHEMA_VERSION = 37
GRID_COLUMNS = 24
# (width, height) in grid units: two charts or six stats side by side.
CHART_SIZE = (12, 8)
STAT_SIZE = (4, 4)
# One colour from -inf: grafanalib's Stat defaults to "" where Grafana expects a list.
BASE_THRESHOLD = [{"color": "green", "value": None}]


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""  # Grafana's legend format, e.g. "{{route}}"


def _targets(queries: Sequence[Query], instant: bool) -> list[Any]:
    return [Target(expr=q.expr, legendFormat=q.legend, refId=chr(ord("A") + i), datasource=DATASOURCE,
                   instant=instant)
            for i, q in enumerate(queries)]


def chart(title: str, queries: Sequence[Query], unit: str, description: str, min_interval: str | None = None) -> Any:
    """A time series panel. `min_interval` raises the query step (Grafana's "min interval") for
    expressions over long windows, which would be slow to evaluate at every 15 s."""
    return TimeSeries(title=title, description=description, dataSource=DATASOURCE, targets=_targets(queries, False),
                      unit=unit, interval=min_interval, tooltipMode="multi", legendDisplayMode="list")


def stat(title: str, query: Query, unit: str, description: str, decimals: int | None = None) -> Any:
    """One number per series: the value now (an instant query, as the snapshot draws it too)."""
    return Stat(title=title, description=description, dataSource=DATASOURCE, targets=_targets([query], True),
                format=unit, decimals=decimals, reduceCalc="lastNotNull", graphMode="none", thresholds=BASE_THRESHOLD)


@dataclass(frozen=True)
class Row:
    title: str
    panels: Sequence[Any]


def _size(panel: Any) -> tuple[int, int]:
    return STAT_SIZE if isinstance(panel, Stat) else CHART_SIZE


def layout(rows: Sequence[Row]) -> list[Any]:
    """Each row's title, then its panels left to right, wrapping at the grid's width."""
    placed: list[Any] = []
    y = 0
    for row in rows:
        placed.append(RowPanel(title=row.title, gridPos=GridPos(h=1, w=GRID_COLUMNS, x=0, y=y)))
        y += 1
        x, line_height = 0, 0
        for panel in row.panels:
            w, h = _size(panel)
            if x + w > GRID_COLUMNS:
                x, y = 0, y + line_height
                line_height = 0
            placed.append(attr.evolve(panel, gridPos=GridPos(h=h, w=w, x=x, y=y)))
            x, line_height = x + w, max(line_height, h)
        y += line_height
    return placed


def datasource_variable() -> Any:
    return Template(name=DATASOURCE_VARIABLE, label="Data source", query="prometheus", type="datasource")


def custom_variable(name: str, label: str, options: Sequence[str], default: str) -> Any:
    """A choice a person can change in Grafana; its default is what the snapshot uses."""
    if default not in options:
        raise ValueError(f"variable {name}: default {default!r} is not one of {list(options)}")
    return Template(name=name, label=label, query=",".join(options), default=default, type="custom")


def dashboard(uid: str, title: str, description: str, rows: Sequence[Row], variables: Sequence[Any] = ()) -> Any:
    """A dashboard with a stable uid (links and the grafana role find it by uid) and panel ids
    numbered in order, so the JSON is the same on every render."""
    return Dashboard(
        uid=uid,
        title=title,
        description=description,
        tags=["quantumvest"],
        editable=False,  # provisioned from this repository: a change made in Grafana would be lost
        refresh="1m",
        schemaVersion=SCHEMA_VERSION,
        time=Time("now-1h", "now"),
        timezone="utc",
        templating=Templating(list=[datasource_variable(), *variables]),
        panels=layout(rows),
    ).auto_panel_ids()


def to_json(board: Any) -> str:
    """Grafana's JSON, keys sorted: a change to a dashboard is a readable diff."""
    return json.dumps(board.to_json_data(), sort_keys=True, indent=2, cls=DashboardEncoder) + "\n"
