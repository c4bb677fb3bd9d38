"""Each dashboard's panels queried from Prometheus as Grafana would query them: its variables
replaced, a range query per target (an instant query where the target asks for one), each
series named by the target's legend format."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qvctl.monitoring.prometheus import Point, Prometheus, QueryError, Series
from qvctl.monitoring.snapshot.boards import Board, Panel, Target
from qvctl.monitoring.snapshot.variables import UnknownVariable, builtins, parse_duration, substitute

_LEGEND_LABEL = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


@dataclass(frozen=True)
class Window:
    start: float  # unix seconds
    end: float
    step: int  # seconds between points

    @property
    def seconds(self) -> int:
        return round(self.end - self.start)


@dataclass(frozen=True)
class NamedSeries:
    name: str
    points: tuple[Point, ...]

    @property
    def has_data(self) -> bool:
        return any(math.isfinite(v) for _, v in self.points)


@dataclass(frozen=True)
class PanelSnapshot:
    panel: Panel
    series: tuple[NamedSeries, ...]
    problems: tuple[str, ...]  # a rejected query or an unknown variable, per target

    @property
    def data_series(self) -> int:
        """Series with at least one value to draw: what `data-series` says on the page."""
        return sum(1 for s in self.series if s.has_data)


@dataclass(frozen=True)
class BoardSnapshot:
    board: Board
    panels: tuple[PanelSnapshot, ...]

    @property
    def panels_with_data(self) -> int:
        return sum(1 for p in self.panels if p.data_series > 0)


def legend(template: str, labels: Mapping[str, str], fallback: str) -> str:
    """Grafana's legend format ("{{route}} p99"); without one, the series' labels, else `fallback`."""
    if template:
        return _LEGEND_LABEL.sub(lambda m: labels.get(m.group(1), ""), template).strip() or fallback
    shown = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    name = labels.get("__name__", "")
    return f"{name}{{{shown}}}" if shown else (name or fallback)


def with_gaps(points: Sequence[Point], step: int) -> tuple[Point, ...]:
    """A NaN where samples are missing (a target down, a series born late): the line breaks there
    instead of bridging the hole, as Grafana draws it."""
    filled: list[Point] = []
    for t, v in points:
        if filled and t - filled[-1][0] > 1.5 * step:
            filled.append((filled[-1][0] + step, math.nan))
        filled.append((t, v))
    return tuple(filled)


def panel_step(panel: Panel, window: Window) -> int:
    return max(window.step, parse_duration(panel.min_interval)) if panel.min_interval else window.step


def _query(prometheus: Prometheus, target: Target, expr: str, window: Window, step: int) -> list[Series]:
    if target.instant:
        return prometheus.query(expr, window.end)
    return prometheus.query_range(expr, window.start, window.end, step)


def take_panel(prometheus: Prometheus, board: Board, panel: Panel, window: Window, scrape_seconds: int,
               overrides: Mapping[str, str]) -> PanelSnapshot:
    step = panel_step(panel, window)
    values = {**board.variables, **overrides, **builtins(window.seconds, step, scrape_seconds)}
    series: list[NamedSeries] = []
    problems: list[str] = []
    for index, target in enumerate(panel.targets):
        ref = chr(ord("A") + index)
        try:
            found = _query(prometheus, target, substitute(target.expr, values), window, step)
        except (QueryError, UnknownVariable) as err:
            problems.append(f"query {ref}: {err}")
            continue
        for one in sorted(found, key=lambda s: sorted(s.labels.items())):
            name = legend(target.legend, one.labels, panel.title if len(panel.targets) == 1 else ref)
            series.append(NamedSeries(name, with_gaps(one.points, step)))
    return PanelSnapshot(panel, tuple(series), tuple(problems))


def take(prometheus: Prometheus, boards: Sequence[Board], window: Window, scrape_seconds: int,
         overrides: Mapping[str, str] | None = None) -> list[BoardSnapshot]:
    """Every panel of every board; `overrides` replace dashboard variables' defaults."""
    return [BoardSnapshot(board, tuple(take_panel(prometheus, board, panel, window, scrape_seconds, overrides or {})
                                       for panel in board.panels))
            for board in boards]
