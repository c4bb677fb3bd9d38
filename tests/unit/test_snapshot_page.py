"""The snapshot's page: an SVG path per series with labelled axes, stats as numbers, "no data" and
data-series="0" for an empty panel, and nothing the page would have to fetch or run."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from qvctl.monitoring.snapshot.boards import Board, Panel, Target
from qvctl.monitoring.snapshot.chart import Line, line_chart
from qvctl.monitoring.snapshot.page import render_page
from qvctl.monitoring.snapshot.snapshot import BoardSnapshot, NamedSeries, PanelSnapshot, Window
from qvctl.monitoring.snapshot.units import format_ticks, format_value

SVG = "{http://www.w3.org/2000/svg}"
START = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
WINDOW = Window(START, START + 3600, 15)


def _points(*values: float) -> tuple[tuple[float, float], ...]:
    return tuple((START + i * 900, v) for i, v in enumerate(values))


def _chart(lines: list[Line], unit: str = "reqps") -> ET.Element:
    return ET.fromstring(line_chart(lines, WINDOW.start, WINDOW.end, unit, "Requests"))  # noqa: S314 - our own SVG


def _panel(title: str, kind: str, series: list[NamedSeries], unit: str = "reqps",
           decimals: int | None = None) -> PanelSnapshot:
    panel = Panel(title, kind, unit, "Traffic", "", (Target("up", "", kind == "stat"),), None, decimals)
    return PanelSnapshot(panel, tuple(series), ())


def _page(*panels: PanelSnapshot) -> str:
    board = Board("api", "qv-api", "QuantumVest / API", "", {}, tuple(p.panel for p in panels))
    return render_page([BoardSnapshot(board, panels)], "local", "http://127.0.5.1:9090", WINDOW)


def _figure(page: str, title: str) -> str:
    match = re.search(rf'<figure [^>]*data-panel="{re.escape(title)}"[^>]*>.*?</figure>', page, re.S)
    assert match, f"no panel {title!r}"
    return match.group()


def test_one_path_per_series_named_for_its_legend() -> None:
    svg = _chart([Line("/api/v1/portfolios", _points(1, 2, 3, 4, 5), "#111"),
                  Line("/metrics", _points(0.1, 0.1, 0.1, 0.1, 0.1), "#222"),
                  Line("/readyz", _points(0, 1, 0, 1, 0), "#333")])
    paths = svg.findall(f"{SVG}path")
    assert len(paths) == 3
    assert [p.findtext(f"{SVG}title") for p in paths] == ["/api/v1/portfolios", "/metrics", "/readyz"]
    assert all(p.get("d", "").startswith("M") and p.get("d", "").count("L") == 4 for p in paths)


def test_axes_are_drawn_and_labelled_with_unit_and_utc_times() -> None:
    svg = _chart([Line("a", _points(0, 2.5, 5), "#111")])
    assert {line.get("class") for line in svg.findall(f"{SVG}line")} >= {"axis x", "axis y"}
    values = [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "tick y"]
    times = [t.text for t in svg.findall(f"{SVG}text") if t.get("class") == "tick x"]
    assert values == ["0 req/s", "2 req/s", "4 req/s", "6 req/s"]
    assert times[0] == "22:20" and all(re.fullmatch(r"\d\d:\d\d", t or "") for t in times)
    assert any(t.text == "time (UTC)" for t in svg.findall(f"{SVG}text"))


def test_a_missing_value_breaks_the_line() -> None:
    svg = _chart([Line("a", _points(1, math.nan, 3, 4), "#111")])
    path = svg.find(f"{SVG}path")
    assert path is not None
    d = path.get("d", "")
    assert d.count("M") == 2
    assert "h0" in d, "a point alone between gaps is drawn as a dot"


def test_an_empty_panel_says_no_data() -> None:
    page = _page(_panel("Errors", "timeseries", []), _panel("Only NaN", "timeseries",
                                                            [NamedSeries("x", _points(math.nan, math.nan))]))
    for title in ("Errors", "Only NaN"):
        figure = _figure(page, title)
        assert 'data-series="0"' in figure
        assert "no data" in figure and "<svg" not in figure


def test_a_panel_with_data_counts_its_series_and_has_its_chart() -> None:
    page = _page(_panel("By route", "timeseries", [NamedSeries("a", _points(1, 2)), NamedSeries("b", _points(3, 4)),
                                                   NamedSeries("nan", _points(math.nan))]))
    figure = _figure(page, "By route")
    assert 'data-series="2"' in figure
    assert figure.count("<path") == 2
    assert re.findall(r'class="legend">.*', figure, re.S)[0].count("<li>") == 2


def test_a_stat_is_its_last_value_with_the_panel_decimals() -> None:
    page = _page(_panel("Availability", "stat", [NamedSeries("x", _points(0.99, 0.9995, math.nan))],
                        unit="percentunit", decimals=3))
    figure = _figure(page, "Availability")
    assert '<p class="value">99.950 %</p>' in figure and "<svg" not in figure


def test_the_page_needs_no_script_and_no_external_asset() -> None:
    page = _page(_panel("By route", "timeseries", [NamedSeries("a", _points(1, 2))]),
                 _panel("Up", "stat", [NamedSeries("a", _points(1))]))
    for forbidden in ("<script", "<link", "<img", "<iframe", " src=", "url(", "@import", "onload="):
        assert forbidden not in page.lower()
    assert 'href="#qv-api"' in page
    assert re.findall(r'href="([^"]*)"', page) == ["#qv-api"]


def test_values_are_written_in_their_unit() -> None:
    assert format_value(0.0123, "s") == "12.3 ms"
    assert format_value(5400, "s") == "1.5 h"
    assert format_value(1536, "bytes") == "1.5 KiB"
    assert format_value(2_500_000, "Bps") == "2.38 MiB/s"
    assert format_value(0.5, "percentunit") == "50 %"
    assert format_value(1234, "reqps") == "1.23 k req/s"
    assert format_value(3, "none") == "3"
    assert format_value(math.nan, "s") == "NaN"


def test_axis_labels_keep_neighbours_apart() -> None:
    assert format_ticks([0.999, 0.9995, 1.0], "percentunit") == ["99.9 %", "99.95 %", "100 %"]
