"""`qvctl backup verify`: is the latest backup restorable, complete, and the same data as the cluster?

Steps (each shown with its time): the repository's own check (`pgbackrest verify`: every file of
every backup and every archived WAL segment against the checksums pgBackRest recorded; a damaged or
missing file is named in the error), a consistent point on the live leader (compare.py explains
why that and not the backup's end), the latest backup restored into a scratch instance and
recovered to that point, then every table compared. The scratch instance is removed whatever
happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

from qvctl.backup import compare, repository
from qvctl.backup.operations import Site
from qvctl.backup.pgbackrest import BackupSet
from qvctl.backup.scratch import Scratch
from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import credentials
from qvctl.platform.steps import Note, Step, StepRunner

# A test's hook: change the restored copy before the comparison, to prove a difference is caught.
Tamper = Callable[[psycopg.Connection[Any]], None]


@dataclass
class VerifyRun:
    site: Site
    tamper: Tamper | None = None
    backup: BackupSet | None = None
    point: compare.Point | None = None
    scratch: Scratch | None = None
    server: compare.Server | None = None
    superuser: str = ""
    found: list[compare.Difference] = field(default_factory=list)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def dbname(self) -> str:
        return self.site.spec.database.name

    def report(self) -> dict[str, Any]:
        assert self.backup is not None and self.point is not None
        return {
            "environment": self.site.spec.name,
            "backup": self.backup.as_dict(self.checked_at),
            "backup_age_seconds": round(self.backup.age_seconds(self.checked_at)),
            "restore_point": {"name": self.point.restore_point, "lsn": self.point.lsn},
            "tables": {name: {"rows": s.rows, "checksum": s.checksum} for name, s in self.point.tables.items()},
            "differences": [d.describe() for d in self.found],
            "ok": not self.found,
        }


def latest_backup(run: VerifyRun, note: Note) -> str:
    leader = run.site.leader()
    info = run.site.info(leader)
    if info.latest is None:
        raise QvError(f"the repository holds no backup of {info.name}: qvctl backup run {run.site.spec.name} "
                      "--type full", ExitStatus.FAILED)
    run.backup = info.latest
    login = credentials.login(run.site.paths.root, run.site.spec, "database_superuser")
    run.superuser = login.username
    run.server = compare.Server(leader.address, run.site.spec.ports.postgresql, login.username, login.password,
                                run.site.paths.ca_cert)
    return f"{info.latest.label} ({info.latest.type}, ended {info.latest.stop:%Y-%m-%d %H:%M:%S} UTC)"


def repository_check(run: VerifyRun, note: Note) -> str:
    """`pgbackrest verify`; a damaged or missing object fails here, named by its place in the bucket."""
    leader = run.site.leader()
    pgbackrest = run.site.on(leader)
    # --verbose: the summary (with "status: ok") is printed even when nothing is wrong.
    done = pgbackrest.run("verify", "--verbose", "--log-level-console=detail", note=note,
                          log=run.site.paths.run_log_dir / "pgbackrest-verify.log")
    found = repository.parse_verify(done.stdout + done.stderr)
    backups = run.site.info(leader).backups
    holes = repository.wal_holes(found.ranges, backups)
    if found.status == "ok" and not found.problems and not holes:
        return "every backup file and archived WAL segment matches its checksum; no WAL segment missing"
    labels = {p.path.split("/", 1)[0] for p in found.problems}
    manifests = {}
    for label in labels & {b.label for b in backups}:
        with contextlib.suppress(QvError):  # a missing manifest is itself among the problems
            manifests[label] = pgbackrest.run(
                "repo-get", arguments=[f"backup/{run.site.stanza}/{label}/backup.manifest"]).stdout
    where = run.site.repository_url(leader)
    lines = repository.describe(found.problems, manifests, holes, f"{where}/backup/{run.site.stanza}",
                                f"{where}/archive/{run.site.stanza}")
    raise QvError("the backup repository is damaged: " + "; ".join(
        lines or [f"pgbackrest verify says status {found.status}"]))


def consistent_point(run: VerifyRun, note: Note) -> str:
    assert run.server is not None
    name = f"qvctl-verify-{run.checked_at:%Y%m%dT%H%M%S}"
    run.point = compare.consistent_point(run.server, run.dbname, name)
    note("archiving the WAL that holds the restore point")
    # check switches to a new WAL segment and waits until the one with the restore point is archived.
    run.site.on(run.site.leader()).run("check", log=run.site.paths.run_log_dir / "pgbackrest-check.log")
    rows = sum(t.rows for t in run.point.tables.values())
    return f"restore point {name} at {run.point.lsn}: {len(run.point.tables)} tables, {rows} rows"


def restore_copy(run: VerifyRun, note: Note) -> str:
    assert run.backup is not None and run.point is not None
    leader = run.site.leader()
    run.scratch = run.site.restore_into_scratch(
        "verify", leader, [f"--set={run.backup.label}", "--type=name", f"--target={run.point.restore_point}",
                           "--target-action=promote"], note)
    return f"{run.backup.label} into {run.scratch.data_dir}"


def recover_copy(run: VerifyRun, note: Note) -> str:
    assert run.scratch is not None and run.point is not None
    note("replaying WAL up to the restore point")
    run.scratch.recover(run.site.ctx, run.superuser)
    return f"recovered to {run.point.restore_point} and promoted (unix socket {run.scratch.socket_dir} only)"


def compare_tables(run: VerifyRun, note: Note) -> str:
    assert run.scratch is not None and run.point is not None
    with run.scratch.connect(run.superuser, run.dbname) as conn:
        if run.tamper is not None:
            run.tamper(conn)
        conn.execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
                     "SET extra_float_digits = 3; SET bytea_output = 'hex'")
        copy = compare.table_sums(conn, compare.tables(conn))
    run.found = compare.differences(run.point.tables, copy)
    if run.found:
        raise QvError("the restored copy differs from the cluster at the restore point: "
                      + "; ".join(d.describe() for d in run.found))
    return f"{len(copy)} tables: same row counts and checksums"


STEPS: list[Step[VerifyRun]] = [
    Step("find the latest backup", latest_backup),
    Step("pgbackrest verify (the repository)", repository_check),
    Step("consistent point on the leader", consistent_point),
    Step("restore into a scratch instance", restore_copy),
    Step("recover to the point, promote", recover_copy),
    Step("compare every table", compare_tables),
]


def verify(site: Site, runner: StepRunner, tamper: Tamper | None = None) -> VerifyRun:
    run = VerifyRun(site, tamper)
    try:
        runner.run_all(STEPS, run)
    finally:
        scratch = run.scratch or Scratch.of(site.paths, "verify", site.spec.ports.postgresql,
                                            site.spec.database.versions.postgresql)
        scratch.remove(site.ctx)
    return run
