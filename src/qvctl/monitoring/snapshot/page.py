"""One static HTML page with every dashboard: charts as inline SVG, stats as numbers, a style
sheet in the page. No script and no external asset: it opens from a file, offline, anywhere.

Every panel says what it holds in `data-series` (the series with a value to draw; 0 is "no
data"), so a test or a person's grep can tell an empty panel without looking.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from html import escape

from qvctl.monitoring.snapshot.chart import Line, color, line_chart
from qvctl.monitoring.snapshot.snapshot import BoardSnapshot, NamedSeries, PanelSnapshot, Window
from qvctl.monitoring.snapshot.units import format_value

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
header p, .description { color: #555; }
nav a { margin-right: 1em; }
table.summary { border-collapse: collapse; margin: 0.5em 0 1.5em; }
table.summary td, table.summary th { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
section.dashboard { margin-top: 2em; border-top: 2px solid #ccc; }
h3.row { margin: 1.2em 0 0.4em; color: #444; }
.panels { display: flex; flex-wrap: wrap; gap: 12px; }
figure.panel { margin: 0; padding: 8px 10px; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
figure.timeseries { width: 560px; }
figure.stat { min-width: 170px; max-width: 270px; }
figcaption { font-weight: 600; }
.value { font-size: 28px; margin: 0.2em 0; }
.values { margin: 0.3em 0; padding: 0; list-style: none; }
.no-data { color: #b00; font-style: italic; }
.problem { color: #b00; font-family: monospace; font-size: 12px; white-space: pre-wrap; }
ul.legend { margin: 0.3em 0 0; padding: 0; list-style: none; font-size: 12px; }
ul.legend li { display: inline-block; margin-right: 1em; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
svg.chart text { font-size: 11px; fill: #555; }
"""


def _utc(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(moment))


def _last(series: NamedSeries) -> float:
    return next((v for _, v in reversed(series.points) if math.isfinite(v)), math.nan)


def _anchor(*parts: str) -> str:
    return "-".join("".join(c if c.isalnum() else "-" for c in p.lower()).strip("-") for p in parts)


def _chart(panel: PanelSnapshot, window: Window) -> list[str]:
    drawn = [s for s in panel.series if s.has_data]
    lines = [Line(s.name, s.points, color(i)) for i, s in enumerate(drawn)]
    unit = panel.panel.unit
    legend = "".join(f'<li><span class="swatch" style="background:{line.color}"></span>{escape(line.name)} '
                     f'<span class="last">{escape(format_value(_last(series), unit))}</span></li>'
                     for line, series in zip(lines, drawn, strict=True))
    return [line_chart(lines, window.start, window.end, unit, panel.panel.title), f'<ul class="legend">{legend}</ul>']


def _stat(panel: PanelSnapshot) -> list[str]:
    values = [(s.name, format_value(_last(s), panel.panel.unit, decimals=panel.panel.decimals))
              for s in panel.series if s.has_data]
    if len(values) == 1:
        return [f'<p class="value">{escape(values[0][1])}</p>']
    items = "".join(f"<li>{escape(name)}: <strong>{escape(value)}</strong></li>" for name, value in values)
    return [f'<ul class="values">{items}</ul>']


def _panel(board: BoardSnapshot, panel: PanelSnapshot, window: Window) -> str:
    p = panel.panel
    parts = [f'<figure class="panel {escape(p.kind)}" id="{_anchor(board.board.name, p.row, p.title)}" '
             f'data-panel="{escape(p.title)}" data-series="{panel.data_series}">',
             f"<figcaption>{escape(p.title)}</figcaption>"]
    if p.description:
        parts.append(f'<div class="description">{escape(p.description)}</div>')
    if panel.data_series == 0:
        parts.append('<p class="no-data">no data</p>')
    elif p.kind == "stat":
        parts += _stat(panel)
    else:
        parts += _chart(panel, window)
    parts += [f'<p class="problem">{escape(problem)}</p>' for problem in panel.problems]
    parts.append("</figure>")
    return "\n".join(parts)


def _board(board: BoardSnapshot, window: Window) -> str:
    b = board.board
    parts = [f'<section class="dashboard" id="{escape(b.uid)}" data-dashboard="{escape(b.name)}">',
             f"<h2>{escape(b.title)}</h2>", f'<p class="description">{escape(b.description)}</p>']
    row: str | None = None
    for panel in board.panels:
        if panel.panel.row != row:
            if row is not None:
                parts.append("</div>")
            row = panel.panel.row
            parts += [f'<h3 class="row">{escape(row)}</h3>', '<div class="panels">']
        parts.append(_panel(board, panel, window))
    if row is not None:
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def render_page(boards: Sequence[BoardSnapshot], environment: str, address: str, window: Window) -> str:
    title = f"QuantumVest dashboards: {environment}"
    summary = "".join(f'<tr><td><a href="#{escape(b.board.uid)}">{escape(b.board.title)}</a></td>'
                      f"<td>{len(b.panels)}</td><td>{b.panels_with_data}</td></tr>" for b in boards)
    header = (f"<header><h1>{escape(title)}</h1>"
              f"<p>From Prometheus at {escape(address)}, {_utc(window.start)} to {_utc(window.end)}, "
              f"a point every {window.step} s. Drawn by <code>qvctl dashboards snapshot</code> from the "
              "committed dashboards (monitoring/dashboards/generated/), as Grafana would draw them.</p>"
              '<table class="summary"><tr><th>dashboard</th><th>panels</th><th>panels with data</th></tr>'
              f"{summary}</table></header>")
    body = "\n".join(_board(b, window) for b in boards)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n{header}\n{body}\n</body>\n</html>\n")
