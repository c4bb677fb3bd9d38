"""`qvctl dashboards snapshot [ENV]`: every dashboard drawn from the local platform's Prometheus
into one static HTML page, to look at the platform where Grafana cannot run."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.monitoring.prometheus import Prometheus, local_address
from qvctl.monitoring.scrape import SCRAPE_INTERVAL_SECONDS
from qvctl.monitoring.snapshot.boards import committed_boards
from qvctl.monitoring.snapshot.page import render_page
from qvctl.monitoring.snapshot.snapshot import Window, take
from qvctl.monitoring.snapshot.variables import parse_duration
from qvctl.output import console, print_table
from qvctl.platform import health
from qvctl.platform.paths import EnvPaths
from qvctl.spec import require_environment

# Prometheus refuses a range query of more points than this.
MAX_POINTS = 11000

app = typer.Typer(help="The dashboards of monitoring/dashboards/, without Grafana.", no_args_is_help=True)


def _seconds(text: str, option: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint=option) from None


def window(range_text: str, step_text: str, now: float) -> Window:
    span, step = _seconds(range_text, "--range"), _seconds(step_text, "--step")
    if span // step > MAX_POINTS:
        raise typer.BadParameter(f"{range_text} at {step_text} is more than {MAX_POINTS} points; widen --step",
                                 param_hint="--step")
    # Ends on a multiple of the step: two snapshots a moment apart query the same instants.
    end = float(int(now) // step * step)
    return Window(end - span, end, step)


def snapshot(
    env: str = typer.Argument("local", metavar="[ENV]", help="A local environment (environments/<name>.yaml)."),
    output: Path = typer.Option(None, "--output", help="The HTML file to write (default: "
                                "dashboards/snapshot.html in the environment's state folder)."),
    range_text: str = typer.Option("1h", "--range", help="How far back: 15m, 1h, 6h, 1d ..."),
    step_text: str = typer.Option("15s", "--step", help="Seconds between the points of a chart: 15s, 1m ..."),
) -> None:
    """Query every panel of every dashboard from ENV's Prometheus; write one HTML page with its charts.

    No script, no external asset: the page opens from the file. A panel without data says so
    (and carries data-series="0"); the table printed at the end counts them per dashboard.
    """
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    address = local_address(spec)
    span = window(range_text, step_text, time.time())
    boards = committed_boards(ctx.root)
    # Prometheus asks a client certificate: qvctl's own, which `up` issued beside the environment CA.
    trust = health.Trust.of(EnvPaths.of(ctx, env)).context()
    with Prometheus(address, verify=trust) as prometheus, console.status(f"querying {address}"):
        snapshots = take(prometheus, boards, span, SCRAPE_INTERVAL_SECONDS)
    path = output or EnvPaths.of(ctx, env).dashboards_snapshot
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_page(snapshots, env, address, span))
    except OSError as err:
        raise QvError(f"cannot write {path}: {err.strerror or err}", ExitStatus.FAILED) from None
    print_table(f"dashboards of {env}, the last {range_text}", ["dashboard", "panels", "panels with data"],
                [[s.board.title, len(s.panels), s.panels_with_data] for s in snapshots])
    for board in snapshots:
        for panel in board.panels:
            if panel.data_series == 0:
                console.print(f"no data: {board.board.title} / {panel.panel.row} / {panel.panel.title}",
                              highlight=False, markup=False)
    console.print(f"page: {path}", highlight=False, markup=False)


def register(root: typer.Typer) -> None:
    app.command("snapshot")(snapshot)
    root.add_typer(app, name="dashboards")
