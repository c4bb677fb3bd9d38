"""`qvctl backup run|list|verify|schedule` and `qvctl restore`: pgBackRest backups of the primary cluster."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import typer
from rich.console import Console

from qvctl.backup import operations
from qvctl.backup.pgbackrest import BackupSet
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, print_json, print_table
from qvctl.platform.steps import StepRunner
from qvctl.spec import require_environment

ENV_ARGUMENT = typer.Argument("local", help="Environment name (a file environments/<name>.yaml).")
OUTPUT_OPTION = typer.Option(OutputFormat.table, "--output", "-o", help="table or json.")

backup_app = typer.Typer(help="Backups of the primary database cluster (pgBackRest): run, list, verify, schedule.",
                         no_args_is_help=True)


def _site(env: str) -> operations.Site:
    ctx = Context.discover()
    return operations.Site.of(ctx, require_environment(ctx, env))


def _say(text: str) -> None:
    console.print(text, highlight=False, markup=False)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def human_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s"


@backup_app.command("run")
def run_command(
    env: str = ENV_ARGUMENT,
    kind: str = typer.Option("incr", "--type", "-t", help="full, diff or incr (pgBackRest makes a full one "
                                                          "when there is none to build on)."),
) -> None:
    """Run `pgbackrest backup` on the primary cluster's leader (files copied from a replica)."""
    if kind not in ("full", "diff", "incr"):
        raise QvError(f"--type must be full, diff or incr, not {kind!r}", ExitStatus.INVALID_INPUT)
    site = _site(env)
    started = time.monotonic()
    found: dict[str, str] = {}

    def step(note: operations.Note) -> str:
        leader, label = operations.run_backup(site, kind, note)
        found["label"] = label
        return f"{label} on {leader.name}"

    StepRunner(console, resume_hint="run it again").run(f"pgbackrest backup --type={kind}", step)
    latest = next((b for b in site.info().backups if b.label == found["label"]), None)
    if latest is not None:
        _say(f"backup {latest.label} ({latest.type}): {human_size(latest.database_size)} of database, "
             f"{human_size(latest.repository_size)} written to the repository, WAL {latest.wal_start}.."
             f"{latest.wal_stop} ({time.monotonic() - started:.1f}s)")


def _row(backup: BackupSet, now: datetime) -> list[str]:
    return [backup.label, backup.type, backup.start.strftime("%Y-%m-%d %H:%M:%S"),
            backup.stop.strftime("%H:%M:%S"), human_size(backup.database_size), human_size(backup.repository_size),
            f"{backup.wal_start}..{backup.wal_stop}", human_age(backup.age_seconds(now)),
            "page checksum errors" if backup.error else ""]


@backup_app.command("list")
def list_command(env: str = ENV_ARGUMENT, output: OutputFormat = OUTPUT_OPTION) -> None:
    """The backups in the repository (`pgbackrest info`), oldest first, with their WAL range and age."""
    site = _site(env)
    info = site.info()
    now = datetime.now(UTC)
    if output is OutputFormat.json:
        print_json({"environment": env, "stanza": info.name, "status": info.status,
                    "wal_archive": {"min": info.wal_min, "max": info.wal_max},
                    "backups": [b.as_dict(now) for b in info.backups]})
        return
    print_table(f"{env} backups (stanza {info.name}: {info.status})",
                ["label", "type", "start (UTC)", "end", "database", "repository", "WAL start..stop", "age", ""],
                [_row(b, now) for b in info.backups])
    if info.wal_min:
        _say(f"WAL archive: {info.wal_min} .. {info.wal_max}")


@backup_app.command("verify")
def verify_command(env: str = ENV_ARGUMENT, output: OutputFormat = OUTPUT_OPTION) -> None:
    """Restore the latest backup into a scratch instance, check the repository, compare every table.

    Fails naming the file when `pgbackrest verify` finds one damaged or missing, and naming the
    table when the restored copy differs from the cluster. The scratch instance is always removed.
    """
    from qvctl.backup.verify import verify

    site = _site(env)
    runner = StepRunner(console if output is OutputFormat.table else Console(stderr=True),
                        resume_hint="run it again")
    run = verify(site, runner)
    report = run.report()
    if output is OutputFormat.json:
        print_json(report)
        return
    assert run.backup is not None
    _say(f"backup {run.backup.label} ({run.backup.type}) is restorable and complete: "
         f"{len(report['tables'])} tables match the cluster at {report['restore_point']['name']}; "
         f"the backup is {human_age(report['backup_age_seconds'])} old")


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
