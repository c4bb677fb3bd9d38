"""`qvctl logs`: the local platform's logs, every component merged by time, filtered, followed."""

from __future__ import annotations

import os
import sys
import threading
from enum import StrEnum
from pathlib import Path

import typer

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes import naming
from qvctl.logs import follow as following
from qvctl.logs import history, sources
from qvctl.logs.query import Query, parse_when
from qvctl.logs.record import Level, Record
from qvctl.logs.render import LogOutput, render
from qvctl.platform.paths import EnvPaths
from qvctl.spec import require_environment

# Without a time range or a request id, and without -n: the last lines, as `tail` shows.
DEFAULT_LINES = 50


class LevelName(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"
    critical = "critical"


def _write(text: str | None = None) -> None:
    """Print a record (None: flush what is buffered)."""
    try:
        if text is None:
            sys.stdout.flush()
        else:
            sys.stdout.write(text + "\n")
    except BrokenPipeError:
        # `qvctl logs | head`: the reader has gone, which is not an error. Point stdout at
        # /dev/null so Python's own flush at exit does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(ExitStatus.OK) from None


def _unknown(paths: EnvPaths, env: str, found: list[sources.Source], names: list[str], hosts: list[str]) -> QvError:
    if not found:
        return QvError(f"no log files in {paths.state} (is {env} up? `qvctl up` starts it)", ExitStatus.INVALID_INPUT)
    if hosts and not [s for s in found if s.host in hosts]:
        known_hosts = ", ".join(sorted({s.host for s in found}))
        return QvError(f"no log file on host {', '.join(hosts)} in {paths.state}; hosts: {known_hosts}",
                       ExitStatus.INVALID_INPUT)
    quoted = ", ".join(f"'{n}'" for n in names)
    return QvError(f"no log file for {quoted} in {paths.state}; known: {', '.join(sources.known(found))}",
                   ExitStatus.INVALID_INPUT)


def logs(
    components: list[str] | None = typer.Argument(
        None, help="Components (api, nginx, patroni, postgresql, etcd, redis, prometheus, emulator, supervisord...) "
                   "or HOST/COMPONENT, e.g. app2/api; none: every component."),
    env: str = typer.Option("local", "--env", "-e", help="Environment (a local one: its state folder is read)."),
    host: list[str] | None = typer.Option(None, "--host", help="Only this host (repeatable), e.g. db1."),
    level: LevelName | None = typer.Option(None, "--level", "-l",
                                           help="Minimum level: debug < info < warning < error < critical."),
    since: str | None = typer.Option(None, "--since", help="From this time: ISO 8601 (UTC without an offset) "
                                                           "or a duration ago (10m, 2h, 1d)."),
    until: str | None = typer.Option(None, "--until", help="Up to this time, as --since."),
    request_id: str | None = typer.Option(None, "--request-id", help="Only the records of this request "
                                                                     "(nginx's X-Request-ID, in the API's lines too)."),
    lines: int | None = typer.Option(None, "--lines", "-n", min=0, help=f"The last N records (default {DEFAULT_LINES}; "
                                     "all of them with --since, --until or --request-id)."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new records (files followed by name, "
                                                              "across rotation); Ctrl-C ends."),
    output: LogOutput = typer.Option(LogOutput.text, "--output", "-o",
                                     help="text (host/component, then the line as written) or json (one object "
                                          "a record)."),
) -> None:
    """Show the local platform's logs: every component (or those named) merged by time, filtered."""
    query = Query(Level[level.value] if level else None,
                  parse_when("--since", since) if since else None,
                  parse_when("--until", until) if until else None,
                  request_id or None)
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    if spec.kind != "local":
        raise QvError(f"qvctl logs reads a local environment's files; {env}'s logs are in OpenSearch "
                      f"({naming.internal_host(spec, 'logs')}), shipped by Fluent Bit", ExitStatus.INVALID_INPUT)
    paths = EnvPaths.of(ctx, env)
    hosts = host or []
    found = sources.discover(paths)
    chosen, unknown = sources.select(found, components or [], hosts)
    if unknown or not chosen:
        raise _unknown(paths, env, found, unknown or list(components or []), hosts)

    want = lines if lines is not None else (None if query.narrows else DEFAULT_LINES)
    records: list[Record] = []
    positions: dict[Path, history.Position] = {}
    for source in chosen:
        got, where = history.read_source(source, query, want)
        records.extend(got)
        positions.update(where)
    width = max(len(s.label) for s in chosen)
    for record in history.newest(records, want):
        _write(render(record, output, width))
    _write()
    if not follow:
        return

    def relist() -> list[sources.Source]:
        return sources.select(sources.discover(paths), components or [], hosts)[0]

    def emit(record: Record) -> None:
        _write(render(record, output, width))
        _write()

    follower = following.Follower(chosen, positions, relist)
    try:
        following.follow(follower, query, emit, threading.Event())
    except QvError as err:
        if err.status is not ExitStatus.INTERRUPTED:
            raise
        # Ctrl-C is how a follow ends: not an error.


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)
