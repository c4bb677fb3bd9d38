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
from qvctl.platform.steps import Note, StepRunner
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

    def step(note: Note) -> str:
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


@backup_app.command("schedule")
def schedule_command(
    env: str = ENV_ARGUMENT,
    show: int = typer.Option(0, "--show", min=0, help="Print the next N fire times and exit."),
    every: float = typer.Option(0, "--every", min=0, help="Tests and drills: fire every SECONDS instead of the "
                                                          "spec's schedules (with --type)."),
    kind: str = typer.Option("incr", "--type", "-t", help="The backup type --every runs."),
    max_runs: int = typer.Option(0, "--max-runs", min=0, help="Stop after N backups (0: never)."),
) -> None:
    """Run backups on the spec's schedules (backup.schedule): the local stand-in for the hosts' systemd timers.

    `qvctl up` runs it under the environment's supervisord (program backup-scheduler). A failed
    backup is logged and the schedule goes on; the next one tries again.
    """
    from qvctl.backup import schedule

    site = _site(env)
    expressions = schedule.schedules(site.spec.backup.schedule)
    if every:
        if kind not in schedule.TYPES:
            raise QvError(f"--type must be full, diff or incr, not {kind!r}", ExitStatus.INVALID_INPUT)
        interval = schedule.Every(every, kind)
        next_of = interval.next_fire
    else:
        def next_of(after: datetime) -> schedule.Fire:
            return schedule.next_fire(expressions, after)
    if show:
        fires = schedule.upcoming(expressions, datetime.now(UTC), show) if not every else [
            schedule.Every(every, kind).next_fire(datetime.now(UTC))]
        if not every:
            print_table(f"{env} backup schedule ({', '.join(f'{k}: {v}' for k, v in expressions.items())})",
                        ["at (UTC)", "type"], [[f.at.strftime("%Y-%m-%d %H:%M"), f.type] for f in fires])
        else:
            _say(f"every {every:g}s: {kind}")
        return

    def log(text: str) -> None:  # a log file, not a terminal: one plain line each, no wrapping
        typer.echo(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {text}")

    def fire(due: schedule.Fire) -> None:
        log(f"{due.type} backup due at {due.at:%H:%M:%S}")
        try:
            leader, label = operations.run_backup(site, due.type, lambda _text: None)
            log(f"{due.type} backup {label} done on {leader.name}")
        except QvError as err:
            log(f"{due.type} backup failed: {err.message}")

    log(f"scheduling backups of {env}: " + (f"every {every:g}s ({kind})" if every else
                                             ", ".join(f"{k} {v!r}" for k, v in expressions.items())))
    schedule.run_forever(next_of, fire, time.sleep, max_runs=max_runs or None)


def restore_command(
    env: str = ENV_ARGUMENT,
    to_time: str = typer.Option("", "--to-time", help="Recover to this instant (ISO 8601; UTC when no offset "
                                                      "is given), e.g. 2026-01-31T14:05:00Z."),
    target: str = typer.Option("scratch", "--target", help="scratch (a separate instance, left running) or "
                                                           "in-place (the primary cluster itself)."),
    yes: bool = typer.Option(False, "--yes", help="in-place: do not ask (scripts)."),
    keep_old_data: bool = typer.Option(False, "--keep-old-data",
                                       help="in-place: keep the members' old data directories afterwards."),
    cleanup: bool = typer.Option(False, "--cleanup", help="Stop and remove the scratch instance of a restore."),
) -> None:
    """Point-in-time restore with pgBackRest (--type=time): into a scratch instance, or the cluster in place.

    in-place stops the primary cluster, bootstraps it from the backup through Patroni, clones the
    replicas, reinitialises the DR standby cluster, checks a write through the API, and only then
    removes the old data directories (kept as <data>.pre-restore-<time> until then).
    """
    from qvctl.backup import restore
    from qvctl.backup.scratch import Scratch
    from qvctl.platform.lock import environment_lock

    site = _site(env)
    scratch = Scratch.of(site.paths, "restore", site.spec.ports.postgresql, site.spec.database.versions.postgresql)
    if cleanup:
        _say(f"removed the scratch instance {scratch.folder}" if scratch.remove(site.ctx)
             else "no scratch instance to remove")
        return
    if not to_time:
        raise QvError("--to-time is required (or --cleanup)", ExitStatus.INVALID_INPUT)
    if target not in ("scratch", "in-place"):
        raise QvError(f"--target must be scratch or in-place, not {target!r}", ExitStatus.INVALID_INPUT)
    run = restore.RestoreRun(site, restore.parse_time(to_time), keep_old_data=keep_old_data)
    runner = StepRunner(console, resume_hint="see docs/runbooks/backup-and-restore.md")
    if target == "scratch":
        runner.run_all(restore.SCRATCH_STEPS, run)
        meta = scratch.read_meta()
        _say(f"connect: {scratch.connection_hint(str(meta.get('superuser', 'postgres')), site.spec.database.name)}")
        _say(f"remove it: qvctl restore {env} --cleanup")
        return
    if not yes:
        if not _stdin_is_terminal():
            raise QvError("an in-place restore replaces the cluster's data: confirm on a terminal, or pass --yes",
                          ExitStatus.INVALID_INPUT)
        typer.confirm(f"Replace the data of {env}'s primary cluster with its state at {run.target:%Y-%m-%d %H:%M:%S}"
                      " UTC (and reinitialise the DR standby cluster)?", abort=True)
    with environment_lock(site.paths.lock_file, env):
        runner.run_all(restore.IN_PLACE_STEPS, run)
    _say(f"{env}'s primary cluster is restored to {run.target:%Y-%m-%d %H:%M:%S.%f} UTC, leader {run.new_leader}; "
         f"take a full backup of the new timeline: qvctl backup run {env} --type full")


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    app.command("restore")(restore_command)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
