"""`qvctl restore --to-time T`: point-in-time recovery with pgBackRest, into a scratch instance or in place.

scratch: the backup before T restored into `<state>/scratch/restore/`, recovered to T and promoted,
then left running for inspection (unix socket only); `qvctl restore --cleanup` removes it.

in place: the way Patroni documents for bringing a cluster back from a backup, which is to make a
new cluster whose bootstrap method is the restore (Patroni docs, "Replica imaging and bootstrap":
a custom bootstrap `method` with `keep_existing_recovery_conf`, for tools like pgBackRest that
write the recovery settings themselves), after wiping the old cluster's state from the DCS with
`patronictl remove` (as its major-upgrade procedure does) and emptying the replicas' data
directories so that Patroni clones them again:

1. archive the WAL up to now (a commit after T, then `pgbackrest check`), while the cluster runs;
2. stop Patroni (and so PostgreSQL) on every member of the primary cluster;
3. move each member's data directory aside (`<data>.pre-restore-<time>`): kept until the
   restored cluster is checked, and the way back if it is not;
4. `patronictl remove <cluster>`: no initialize key, so the next Patroni to start bootstraps;
5. on the first member, Patroni starts with a configuration whose bootstrap method runs
   `pgbackrest restore --type=time --target=T --target-action=promote`; Patroni waits for the end
   of recovery, takes the leader key, creates the cluster's DCS state from bootstrap.dcs (the DR
   slot included); its own configuration file is then put back as Ansible wrote it;
6. the other members start with empty data directories and clone the new leader;
7. the DR standby cluster is reinitialised the same way (stop, data aside, `patronictl remove`
   of its own cluster, start): it has replayed the old timeline past T and cannot follow the new one;
8. checked: a leader on a new timeline, every replica streaming from it, the DR cluster's standby
   leader streaming, and a portfolio written and read back through nginx and the API. Only then
   are the old data directories removed (kept with --keep-old-data).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import yaml

from qvctl import tools
from qvctl.backup import cluster
from qvctl.backup.compare import Server
from qvctl.backup.operations import Site
from qvctl.backup.pgbackrest import RUN_AS, BackupSet
from qvctl.backup.scratch import Scratch
from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import credentials, health, process, supervisor, tokens
from qvctl.platform.components import edge_component
from qvctl.platform.steps import Note, Step

BOOTSTRAP_METHOD = "pgbackrest_restore"
PATRONI_DEADLINE_SECONDS = 600.0


def parse_time(text: str) -> datetime:
    """ISO 8601; a time without an offset is UTC (and said so in --help)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QvError(f"--to-time {text!r} is not an ISO 8601 time (e.g. 2026-01-31T14:05:00Z)",
                      ExitStatus.INVALID_INPUT) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def pgbackrest_target(moment: datetime) -> str:
    """The form recovery_target_time reads unambiguously: UTC with an explicit offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def backup_before(backups: list[BackupSet], moment: datetime) -> BackupSet:
    """The newest backup that ended before T (what pgBackRest itself picks for a time target)."""
    usable = [b for b in backups if b.stop <= moment]
    if not usable:
        first = f"the oldest ends {backups[0].stop:%Y-%m-%d %H:%M:%S} UTC" if backups else "there is none"
        raise QvError(f"no backup ended before {moment:%Y-%m-%d %H:%M:%S} UTC ({first}): nothing to replay from",
                      ExitStatus.INVALID_INPUT)
    return usable[-1]


@dataclass
class RestoreRun:
    site: Site
    target: datetime
    keep_old_data: bool = False
    backup: BackupSet | None = None
    superuser: str = ""
    server: Server | None = None
    scratch: Scratch | None = None
    stamp: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%S"))
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    old_timeline: int = 0
    new_leader: str = ""

    @property
    def spec(self) -> Any:
        return self.site.spec


# --- shared steps -------------------------------------------------------------------------------


def choose_backup(run: RestoreRun, note: Note) -> str:
    if run.target >= datetime.now(UTC):
        raise QvError(f"--to-time {run.target:%Y-%m-%d %H:%M:%S} UTC is not in the past", ExitStatus.INVALID_INPUT)
    login = credentials.login(run.site.paths.root, run.spec, "database_superuser")
    run.superuser = login.username
    backups = run.site.info(cluster.members(run.spec, run.site.paths)[0]).backups
    run.backup = backup_before(backups, run.target)
    with contextlib.suppress(QvError):
        leader = run.site.leader()
        run.server = Server(leader.address, run.spec.ports.postgresql, login.username, login.password,
                            run.site.paths.ca_cert)
    return f"{run.backup.label} ({run.backup.type}, ended {run.backup.stop:%H:%M:%S}), then WAL up to " \
           f"{run.target:%Y-%m-%d %H:%M:%S.%f} UTC"


def archive_now(run: RestoreRun, note: Note) -> str:
    """Recovery stops at the first commit after T, and needs the WAL holding it in the archive."""
    if run.server is None:
        return "the primary cluster has no leader: replaying what the archive holds"
    with run.server.connect("postgres") as conn:
        conn.execute("SELECT txid_current()")  # a commit record after T, even on an idle cluster
    run.site.on(run.site.leader()).run("check", log=run.site.paths.run_log_dir / "pgbackrest-check.log")
    return "a commit after T written, and the current WAL segment archived"


# --- scratch ------------------------------------------------------------------------------------


def restore_scratch(run: RestoreRun, note: Note) -> str:
    assert run.backup is not None
    source = cluster.members(run.spec, run.site.paths)[0]
    run.scratch = run.site.restore_into_scratch(
        "restore", source, ["--type=time", f"--target={pgbackrest_target(run.target)}", "--target-action=promote"],
        note)
    return f"into {run.scratch.data_dir}"


def recover_scratch(run: RestoreRun, note: Note) -> str:
    assert run.scratch is not None and run.backup is not None
    note("replaying WAL up to the target time")
    run.scratch.recover(run.site.ctx, run.superuser)
    run.scratch.write_meta(target=run.target.isoformat(), backup=run.backup.label, superuser=run.superuser,
                           database=run.spec.database.name)
    return f"recovered to {run.target:%H:%M:%S.%f} UTC and promoted; running for inspection"


SCRATCH_STEPS: list[Step[RestoreRun]] = [
    Step("choose the backup before T", choose_backup),
    Step("archive the WAL up to now", archive_now),
    Step("restore into a scratch instance", restore_scratch),
    Step("recover to T, promote", recover_scratch),
]


# --- in place -----------------------------------------------------------------------------------


def _program_call(run: RestoreRun, action: Callable[[supervisor.Api, str], None], program: str) -> None:
    with contextlib.suppress(Exception):  # already stopped / already running: the wait below decides
        action(supervisor.rpc(run.site.paths, timeout=90), program)


def _stop(api: supervisor.Api, program: str) -> None:
    api.stop_process(program)


def _start(api: supervisor.Api, program: str) -> None:
    api.start_process(program)


def _postmaster_running(member: cluster.Member) -> bool:
    try:
        pid = int((member.data_dir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    return supervisor.pid_alive(pid)


def _stop_cluster(run: RestoreRun, group: str, note: Note) -> list[cluster.Member]:
    members = cluster.members(run.spec, run.site.paths, group)
    for member in members:
        note(f"stopping {member.patroni_program}")
        _program_call(run, _stop, member.patroni_program)
    deadline = time.monotonic() + 120
    while any(_postmaster_running(m) for m in members):
        if time.monotonic() > deadline:
            running = ", ".join(m.name for m in members if _postmaster_running(m))
            raise QvError(f"PostgreSQL still runs on {running} after Patroni stopped")
        time.sleep(0.5)
    return members


def _move_aside(run: RestoreRun, members: list[cluster.Member]) -> None:
    user = pwd.getpwnam(RUN_AS)
    for member in members:
        kept = member.data_dir.with_name(f"{member.data_dir.name}.pre-restore-{run.stamp}")
        if member.data_dir.exists():
            member.data_dir.rename(kept)
            run.moved.append((member.data_dir, kept))
        member.data_dir.mkdir(mode=0o700)
        os.chown(member.data_dir, user.pw_uid, user.pw_gid)


def _patronictl(run: RestoreRun) -> str:
    return run.site.ctx.which("patronictl") or str(
        Path(tools.require(run.site.ctx, "patroni")).with_name("patronictl"))


def _dcs_leader(run: RestoreRun, member: cluster.Member) -> str:
    """The leader name the DCS still holds (a stopped standby leader may leave its key until it expires)."""
    done = subprocess.run([_patronictl(run), "-c", str(member.patroni_config), "list", "--format", "json"],
                          env=run.site.ctx.environ, capture_output=True, text=True, timeout=60, check=False)
    try:
        rows = json.loads(done.stdout or "[]")
    except ValueError:
        return ""
    return next((str(r.get("Member")) for r in rows if "Leader" in str(r.get("Role", ""))), "")


def _patronictl_remove(run: RestoreRun, member: cluster.Member, scope: str) -> None:
    # Its confirmations, answered: the cluster's name, the sentence it asks for, and the leader's name
    # when the DCS still names one (every member is already stopped: nothing runs that key's owner).
    answers = [scope, "Yes I am aware"]
    leader = _dcs_leader(run, member)
    if leader:
        answers.append(leader)
    done = subprocess.run([_patronictl(run), "-c", str(member.patroni_config), "remove", scope],
                          env=run.site.ctx.environ, input="\n".join(answers) + "\n", capture_output=True, text=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise QvError(f"patronictl remove {scope} failed: {process.tail_text(done.stdout + done.stderr, 3)}")


def _wait_cluster(run: RestoreRun, group: str, want: Callable[[dict[str, Any]], str | None], note: Note,
                  deadline_seconds: float = PATRONI_DEADLINE_SECONDS) -> dict[str, Any]:
    """Poll Patroni's /cluster until `want(state)` returns None (else it returns what is still missing)."""
    deadline = time.monotonic() + deadline_seconds
    missing = "no answer"
    while True:
        with contextlib.suppress(QvError):
            state = cluster.cluster_state(run.spec, run.site.paths, group, timeout=3)
            missing = want(state) or ""
            if not missing:
                return state
        note(missing)
        if time.monotonic() > deadline:
            raise QvError(f"{group} not back after {deadline_seconds:.0f}s: {missing}; "
                          f"the old data is kept in {', '.join(str(k) for _, k in run.moved)}")
        time.sleep(2)


def _healthy(names: list[str], leader_roles: tuple[str, ...]) -> Callable[[dict[str, Any]], str | None]:
    def want(state: dict[str, Any]) -> str | None:
        seen = {m.get("name"): m for m in state.get("members", [])}
        leaders = [m for m in seen.values() if m.get("role") in leader_roles and m.get("state") == "running"]
        if not leaders:
            return "waiting for a leader"
        timeline = leaders[0].get("timeline")
        late = [n for n in names if n not in seen or seen[n].get("state") not in ("running", "streaming")
                or seen[n].get("timeline") != timeline]
        return f"waiting for {', '.join(late)} on timeline {timeline}" if late else None
    return want


def stop_primary(run: RestoreRun, note: Note) -> str:
    with contextlib.suppress(QvError):
        state = cluster.cluster_state(run.spec, run.site.paths)
        run.old_timeline = max((int(m.get("timeline") or 0) for m in state.get("members", [])), default=0)
    members = _stop_cluster(run, cluster.PRIMARY_GROUP, note)
    _move_aside(run, members)
    return f"Patroni stopped on {', '.join(m.name for m in members)}; data kept in *.pre-restore-{run.stamp}"


def forget_primary(run: RestoreRun, note: Note) -> str:
    member = cluster.members(run.spec, run.site.paths)[0]
    scope = cluster.patroni_scope(run.spec)
    _patronictl_remove(run, member, scope)
    return f"patronictl remove {scope}: no initialize key, the next start bootstraps"


def bootstrap_config(original: str, command: str) -> str:
    """Patroni's configuration with the restore as its bootstrap method (Patroni docs: custom bootstrap)."""
    config = yaml.safe_load(original)
    config.setdefault("bootstrap", {})["method"] = BOOTSTRAP_METHOD
    config["bootstrap"][BOOTSTRAP_METHOD] = {"command": command, "no_params": True,
                                             "keep_existing_recovery_conf": True}
    return "# Written by qvctl restore for one bootstrap; the original is put back once it is done.\n" + \
        yaml.safe_dump(config, sort_keys=False)


def bootstrap_leader(run: RestoreRun, note: Note) -> str:
    member = cluster.members(run.spec, run.site.paths)[0]
    command = (f"{tools.require(run.site.ctx, 'pgbackrest')} --config={member.pgbackrest_config} "
               f"--stanza={run.site.stanza} --type=time '--target={pgbackrest_target(run.target)}' "
               "--target-action=promote --log-level-console=info restore")
    original = member.patroni_config.read_bytes()
    stat = member.patroni_config.stat()
    try:
        member.patroni_config.write_text(bootstrap_config(original.decode(), command))
        os.chown(member.patroni_config, stat.st_uid, stat.st_gid)
        os.chmod(member.patroni_config, stat.st_mode & 0o7777)
        _program_call(run, _start, member.patroni_program)
        state = _wait_cluster(run, cluster.PRIMARY_GROUP, _healthy([member.name], ("leader",)), note)
    finally:
        member.patroni_config.write_bytes(original)
        os.chown(member.patroni_config, stat.st_uid, stat.st_gid)
        os.chmod(member.patroni_config, stat.st_mode & 0o7777)
    run.new_leader = member.name
    timeline = next(m.get("timeline") for m in state["members"] if m.get("name") == member.name)
    return f"{member.name} restored to T and leads on timeline {timeline} (was {run.old_timeline or '?'})"


def clone_replicas(run: RestoreRun, note: Note) -> str:
    members = cluster.members(run.spec, run.site.paths)
    for member in members[1:]:
        _program_call(run, _start, member.patroni_program)
    _wait_cluster(run, cluster.PRIMARY_GROUP, _healthy([m.name for m in members], ("leader",)), note)
    return f"{', '.join(m.name for m in members[1:])} cloned from {members[0].name}"


def reinit_dr(run: RestoreRun, note: Note) -> str:
    members = cluster.members(run.spec, run.site.paths, cluster.DR_GROUP)
    _stop_cluster(run, cluster.DR_GROUP, note)
    _move_aside(run, members)
    _patronictl_remove(run, members[0], cluster.patroni_scope(run.spec, cluster.DR_GROUP))
    for member in members:
        _program_call(run, _start, member.patroni_program)
    _wait_cluster(run, cluster.DR_GROUP, _healthy([m.name for m in members], ("standby_leader",)), note)
    return f"{', '.join(m.name for m in members)} follow the new timeline again"


def check_restored(run: RestoreRun, note: Note) -> str:
    edge = edge_component(run.spec)
    deadline = time.monotonic() + 120
    while True:
        try:
            summary = health.portfolio_round_trip(f"https://{edge.address}", health.Trust.of(run.site.paths),
                                                  tokens.service_token(run.site.paths, run.spec, "qvctl-restore-check"))
            break
        except (QvError, OSError, psycopg.Error) as err:
            if time.monotonic() > deadline:
                raise QvError(f"the restored cluster does not take writes through the API: {err}; the old data is "
                              f"kept in {', '.join(str(k) for _, k in run.moved)}") from None
            note("waiting for the API to write through the restored cluster")
            time.sleep(2)
    return summary


def drop_old_data(run: RestoreRun, note: Note) -> str:
    if run.keep_old_data:
        return "kept: " + ", ".join(str(kept) for _, kept in run.moved)
    for _, kept in run.moved:
        shutil.rmtree(kept, ignore_errors=True)
    return f"{len(run.moved)} old data directories removed"


def _has_dr(run: RestoreRun) -> bool:
    return any(h.group == cluster.DR_GROUP for h in cluster.hosts_of(run.spec, cluster.DR_GROUP))


IN_PLACE_STEPS: list[Step[RestoreRun]] = [
    Step("choose the backup before T", choose_backup),
    Step("archive the WAL up to now", archive_now),
    Step("stop the primary cluster, keep data", stop_primary),
    Step("patronictl remove the old cluster", forget_primary),
    Step("bootstrap the leader from the backup", bootstrap_leader),
    Step("clone the replicas", clone_replicas),
    Step("reinitialise the DR standby cluster", reinit_dr, when=_has_dr),
    Step("write and read through the API", check_restored),
    Step("old data directories", drop_old_data),
]
