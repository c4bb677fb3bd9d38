"""Moving the write role between the two clusters, through Patroni's dynamic configuration.

A cluster is a *standby cluster* while its configuration has a `standby_cluster` section (whom it
follows, how); removing the section promotes its standby leader. So:

* planned switch, no data loss (`qvctl dr failover --to dr`, `qvctl dr failback`): give the leading
  cluster a `standby_cluster` section first (its leader stops taking writes and restarts as a
  standby leader), wait until the other cluster has replayed everything up to the demoted leader's
  last WAL position, then remove the other cluster's section. The demoted cluster, already
  configured to follow the other one, follows its new timeline.
* promotion after a region loss: remove the surviving cluster's section at once; what had not
  reached it is lost (the standby cluster replicates asynchronously).
* rebuild of a lost cluster as a follower of the one that leads now: its data has diverged, so its
  members are reinitialised: the Patroni state in its etcd is replaced by its old configuration
  plus a `standby_cluster` section, its data folders emptied, and Patroni bootstraps a standby
  leader with a base backup from the leading cluster (the replicas then copy their standby leader).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from qvctl.context import QvError
from qvctl.dr import faults
from qvctl.dr.cluster import (
    ClusterSpec,
    ClusterState,
    Patroni,
    json_text,
    member_files,
    other,
    patroni_prefix,
    wal_position,
)
from qvctl.dr.environment import DrEnv
from qvctl.exit_status import ExitStatus
from qvctl.platform import supervisor

Note = Callable[[str], None]
T = TypeVar("T")

ARCHIVE_PUSH = " archive-push %p"


def restore_command(archive_command: str) -> str:
    """The restore_command that reads back what `archive_command` pushes (the same pgBackRest
    configuration and stanza): `<pgbackrest ...> archive-push %p` -> `<pgbackrest ...> archive-get %f "%p"`."""
    if not archive_command.endswith(ARCHIVE_PUSH):
        raise QvError(f"archive_command is not a pgBackRest archive-push: {archive_command!r}",
                      ExitStatus.INVALID_INPUT)
    return archive_command[: -len(ARCHIVE_PUSH)] + ' archive-get %f "%p"'


def permanent_slot(config: dict[str, Any]) -> str | None:
    """The physical slot a cluster keeps for its standby cluster: its one permanent physical slot."""
    slots = [name for name, slot in (config.get("slots") or {}).items()
             if isinstance(slot, dict) and slot.get("type", "physical") == "physical"]
    return slots[0] if len(slots) == 1 else None


def standby_section(follower_config: dict[str, Any], leader: ClusterSpec,
                    leader_config: dict[str, Any]) -> dict[str, Any]:
    """The `standby_cluster` section that makes a cluster follow `leader`, as the patroni role
    writes the DR cluster's: any leader member (libpq tries them in order), the leader cluster's
    permanent slot for it if it keeps one, base backups to create members, and WAL from the backup
    repository when streaming cannot serve it."""
    parameters = (follower_config.get("postgresql") or {}).get("parameters") or {}
    section: dict[str, Any] = {
        "host": ",".join(h.address for h in leader.hosts),
        "port": leader.postgresql_port,
        "create_replica_methods": ["basebackup"],
        "restore_command": restore_command(str(parameters.get("archive_command", ""))),
    }
    slot = permanent_slot(leader_config)
    if slot:
        section["primary_slot_name"] = slot
    return section


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.25) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise QvError(f"timed out after {timeout:.0f}s waiting for {what}", ExitStatus.FAILED)
        time.sleep(interval)


def leader_first(cluster: ClusterSpec, state: ClusterState | None) -> list[str]:
    """The cluster's members with its leader first: a PATCH there wakes the member that acts on it."""
    names = cluster.names
    leader = state.leader.name if state is not None and state.leader is not None else None
    return sorted(names, key=lambda n: n != leader)


@dataclass
class SwitchResult:
    demoted: str  # the member that led the source cluster
    demote_requested: float  # monotonic
    last_lsn: int
    caught_up: float
    promote_requested: float
    promoted: str
    promoted_at: float


def promote(env: DrEnv, patroni: Patroni, key: str, timeout: float = 60.0) -> tuple[str, float]:
    """Remove the cluster's `standby_cluster` section; (new leader, when it accepts writes)."""
    cluster = env.clusters[key]
    state = patroni.cluster(cluster)
    patroni.patch_config(cluster, {"standby_cluster": None}, order=leader_first(cluster, state))
    promoted = wait_for(f"the {key} cluster to accept writes",
                        lambda: s if (s := patroni.cluster(cluster)) is not None and s.accepts_writes else None,
                        timeout, interval=0.1)
    assert promoted.leader is not None
    return promoted.leader.name, time.monotonic()


def promote_unplanned(env: DrEnv, patroni: Patroni, key: str, note: Note) -> str:
    """Promote a standby cluster whose leading cluster is gone; refused while that one takes writes
    (two clusters would accept writes: a planned failover demotes it first)."""
    leading = patroni.cluster(env.clusters[other(key)])
    if leading is not None and leading.accepts_writes:
        raise QvError(f"the {other(key)} cluster still accepts writes ({leading.summary()}): promoting the {key} "
                      f"cluster now would make two primaries; use qvctl dr failover --to {key}", ExitStatus.FAILED)
    state = patroni.cluster(env.clusters[key])
    if state is None or not state.is_standby_cluster:
        raise QvError(f"the {key} cluster is not a standby cluster with a running standby leader "
                      f"({state.summary() if state else 'no member answers'})", ExitStatus.FAILED)
    note(f"promoting the {key} cluster (removing its standby_cluster configuration)")
    leader, _ = promote(env, patroni, key)
    return leader


def planned_switch(env: DrEnv, patroni: Patroni, source: str, target: str, note: Note,
                   timeout: float = 120.0) -> SwitchResult:
    """Move the write role from `source` to `target` losing no acknowledged write."""
    src, dst = env.clusters[source], env.clusters[target]
    src_config, dst_config = patroni.config(src), patroni.config(dst)
    section = standby_section(src_config, dst, dst_config)
    before = patroni.cluster(src)
    note(f"demoting the {source} cluster to a standby cluster of the {target} cluster")
    demote_requested = time.monotonic()
    patroni.patch_config(src, {"standby_cluster": section}, order=leader_first(src, before))
    demoted_state = wait_for(
        f"the {source} cluster's leader to restart as a standby leader",
        lambda: s if (s := patroni.cluster(src)) is not None and s.is_standby_cluster
        and s.leader is not None and s.leader.running else None, timeout)
    assert demoted_state.leader is not None
    demoted = demoted_state.leader.name
    last_lsn = wait_for(f"{demoted}'s last WAL position",
                        lambda: wal_position(patroni.member_status(src, demoted)), timeout)
    note(f"{demoted} stopped at WAL position {last_lsn}; waiting for the {target} cluster to replay it")
    dst_state = patroni.cluster(dst)
    if dst_state is None or dst_state.leader is None:
        raise QvError(f"the {target} cluster has no standby leader to promote", ExitStatus.FAILED)
    dst_leader = dst_state.leader.name
    wait_for(f"{dst_leader} to replay up to {last_lsn}",
             lambda: p if (p := wal_position(patroni.member_status(dst, dst_leader))) is not None
             and p >= last_lsn else None, timeout)
    caught_up = time.monotonic()
    note(f"promoting the {target} cluster")
    promote_requested = time.monotonic()
    promoted, promoted_at = promote(env, patroni, target, timeout)
    return SwitchResult(demoted, demote_requested, last_lsn, caught_up, promote_requested, promoted, promoted_at)


def _empty(folder: Any) -> None:
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def rebuild_as_follower(env: DrEnv, patroni: Patroni, key: str, leader_key: str,
                        saved_config: dict[str, Any] | None, note: Note) -> None:
    """Bring a lost cluster back as a standby cluster of `leader_key`, its members reinitialised.

    `saved_config`: the cluster's dynamic configuration from before the loss (GET /config); None
    reads it from the cluster's own etcd. Whatever of the cluster still runs is stopped first: its
    old leader must never come back as a second primary."""
    cluster = env.clusters[key]
    leading = patroni.cluster(env.clusters[leader_key])
    if leading is None or not leading.accepts_writes:
        raise QvError(f"the {leader_key} cluster does not accept writes: nothing to rebuild the {key} cluster from",
                      ExitStatus.FAILED)
    table = supervisor.processes(env.paths)
    programs = [p for h in cluster.names for p in faults.host_programs(table, h)]
    if any(p.state not in ("STOPPED", "EXITED", "FATAL") for p in programs):
        note(f"stopping what runs of the {key} cluster ({', '.join(cluster.names)})")
        faults.crash(env.paths, {h.name: h.address for h in cluster.hosts}, stay_down=True)
    etcd_programs = [p.full_name for p in programs if p.name.startswith("etcd-")]
    patroni_programs = [p.full_name for p in programs if p.name.startswith("patroni-")]
    others = [p.full_name for p in programs if p.full_name not in etcd_programs + patroni_programs]
    note(f"starting the {key} cluster's etcd")
    faults.start_programs(env.paths, etcd_programs)
    prefix = patroni_prefix(cluster)
    etcd = env.etcd(key)
    try:
        wait_for(f"the {key} cluster's etcd to be healthy", lambda: True if etcd.healthy() else None, 60)
        if saved_config is None:
            stored = etcd.get(prefix + "config")
            if stored is None:
                raise QvError(f"no Patroni configuration under {prefix} in the {key} cluster's etcd", ExitStatus.FAILED)
            saved_config = dict(json.loads(stored))
        config = {k: v for k, v in saved_config.items() if k != "standby_cluster"}
        config["standby_cluster"] = standby_section(saved_config, env.clusters[leader_key],
                                                    patroni.config(env.clusters[leader_key]))
        note(f"replacing the Patroni state under {prefix} with a standby cluster configuration")
        etcd.delete_prefix(prefix)
        etcd.put(prefix + "config", json_text(config))
    finally:
        etcd.close()
    for host in cluster.names:
        data_dir = member_files(env.paths, host).data_dir
        if data_dir.is_dir():
            note(f"emptying {host}'s data folder (its history diverged from the {leader_key} cluster's)")
            _empty(data_dir)
    note(f"starting the {key} cluster's Patroni: base backups from the {leader_key} cluster")
    faults.start_programs(env.paths, others + patroni_programs)
