"""A line chart as inline SVG: one <path> per series, a value axis in the panel's unit, a time axis
in UTC. No script and no external asset, so the page opens anywhere, offline."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from qvctl.monitoring.prometheus import Point
from qvctl.monitoring.snapshot.units import format_ticks

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 72, 14, 10, 34
# Grafana's classic palette: neighbours differ.
PALETTE = ("#7eb26d", "#eab839", "#6ed0e0", "#ef843c", "#e24d42", "#1f78c1", "#ba43a9", "#705da0", "#508642",
           "#cca300", "#447ebc", "#c15c17", "#890f02", "#0a437c", "#6d1f62", "#584477")
# Time-axis spacings to choose from: the smallest that keeps to about six labels.
_TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)


@dataclass(frozen=True)
class Line:
    name: str
    points: tuple[Point, ...]
    color: str


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _nice(raw: float) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def value_ticks(low: float, high: float, count: int = 4, seconds: bool = False) -> list[float]:
    """Round values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten, or for
    durations of minutes and more, whole minutes, hours or days (2 min, not 1.67 min)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    step = _nice(raw)
    if seconds and raw > 30:
        step = next((s for s in _TIME_STEPS if s >= raw), 86400 * _nice(raw / 86400))
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 12) for i in range(first, last + 1)]


def time_ticks(start: float, end: float) -> list[float]:
    span = max(end - start, 1)
    step = next((s for s in _TIME_STEPS if span / s <= 6), _TIME_STEPS[-1])
    first = math.ceil(start / step) * step
    return [float(t) for t in range(int(first), int(end) + 1, step)]


def time_label(moment: float, span: float) -> str:
    return time.strftime("%m-%d %H:%M" if span > 86400 else "%H:%M", time.gmtime(moment))


def _path(points: Sequence[tuple[float, float]]) -> str:
    """M/L commands through (x, y) in pixels; a NaN y (no sample, or NaN) lifts the pen: a gap.
    A point alone between gaps is a zero-length line, which the round line cap draws as a dot."""
    commands: list[str] = []
    run = 0  # points in the current subpath
    for x, y in points:
        if not math.isfinite(y):
            if run == 1:
                commands.append("h0")
            run = 0
            continue
        commands.append(f"{'L' if run else 'M'}{x:.1f},{y:.1f}")
        run += 1
    if run == 1:
        commands.append("h0")
    return " ".join(commands)


def line_chart(lines: Sequence[Line], start: float, end: float, unit: str, title: str) -> str:
    values = [v for line in lines for _, v in line.points if math.isfinite(v)]
    low, high = min([0.0, *values]), max([0.0, *values])
    ticks = value_ticks(low, high, seconds=unit == "s")
    low, high = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(end - start, 1)

    def px(t: float) -> float:
        return LEFT + (t - start) / span * plot_w

    def py(v: float) -> float:
        return TOP + (high - v) / (high - low) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">']
    for tick, label in zip(ticks, format_ticks(ticks, unit), strict=True):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" '
                     'stroke="#e3e3e3"/>')
        parts.append(f'<text class="tick y" x="{LEFT - 6}" y="{py(tick) + 4:.1f}" text-anchor="end">'
                     f"{escape(label)}</text>")
    for moment in time_ticks(start, end):
        parts.append(f'<text class="tick x" x="{px(moment):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                     f"{time_label(moment, span)}</text>")
    parts.append(f'<line class="axis x" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
                 'stroke="#777"/>')
    parts.append(f'<line class="axis y" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#777"/>')
    parts.append(f'<text class="axis-label x" x="{WIDTH - RIGHT}" y="{HEIGHT - 2}" text-anchor="end">time (UTC)'
                 "</text>")
    for line in lines:
        d = _path([(px(t), py(v) if math.isfinite(v) else math.nan) for t, v in line.points])
        parts.append(f'<path class="series" d="{d}" fill="none" stroke="{line.color}" stroke-width="1.5" '
                     f'stroke-linecap="round" stroke-linejoin="round"><title>{escape(line.name)}</title></path>')
    parts.append("</svg>")
    return "\n".join(parts)
