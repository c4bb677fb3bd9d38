"""Is the database topology healthy, and which cluster leads? What a drill checks before it starts,
waits for after the fault, and watches (Patroni `/cluster` polling) while it runs.

Healthy, with W the cluster that accepts writes and S the other one:
  * every supervisord program of every database host RUNNING, each cluster's etcd healthy;
  * W: one running leader, every member running on its timeline, replicas within
    `maximum_lag_on_failover`, and a synchronous standby when the cluster runs synchronous mode;
  * S: a running standby leader following W (it streams from one of W's members, on W's timeline),
    and every member running.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qvctl.context import QvError
from qvctl.dr.cluster import ClusterState, Member, Patroni, other, streaming_clients
from qvctl.dr.environment import DrEnv
from qvctl.dr.report import Snapshot
from qvctl.exit_status import ExitStatus
from qvctl.platform import supervisor
from qvctl.platform.components import local_hosts

MAX_LAG_BYTES = 1048576  # the patroni role's maximum_lag_on_failover


@dataclass
class Topology:
    writer: str | None  # the cluster that accepts writes ("primary", "dr"), None if none does
    states: dict[str, ClusterState | None]
    problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        parts = [f"{key}: {state.summary() if state else 'no member answers'}" for key, state in self.states.items()]
        return "; ".join(parts)


def database_programs(env: DrEnv) -> list[str]:
    hosts = {h.name for h in local_hosts(env.spec) if h.group in ("database", "database_dr")}
    return [p.name for p in supervisor.processes(env.paths) if p.name.rpartition("-")[2] in hosts]


def check(env: DrEnv, patroni: Patroni, writer: str = "primary") -> Topology:
    problems: list[str] = []
    table = {p.name: p.state for p in supervisor.processes(env.paths)}
    for program in database_programs(env):
        if table.get(program) != "RUNNING":
            problems.append(f"{program} is {table.get(program)}")
    states = {key: patroni.cluster(cluster) for key, cluster in env.clusters.items()}
    leading = [key for key, state in states.items() if state is not None and state.accepts_writes]
    actual = leading[0] if len(leading) == 1 else None
    if len(leading) > 1:
        problems.append("both clusters accept writes: " + ", ".join(leading))
    if actual != writer:
        problems.append(f"the {writer} cluster does not lead" + (f" (the {actual} cluster does)" if actual else ""))
    write_state, standby_state = states[writer], states[other(writer)]
    problems += _writer_problems(env, writer, write_state)
    problems += _standby_problems(env, patroni, writer, write_state, standby_state)
    for key in env.clusters:
        etcd = env.etcd(key)
        try:
            if not etcd.healthy():
                problems.append(f"the {key} cluster's etcd is not healthy")
        finally:
            etcd.close()
    return Topology(actual, states, problems)


def _member_problems(names: Iterable[str], state: ClusterState, leader: Member, leader_is: str) -> list[str]:
    """Each member running, on its leader's timeline, and close behind it."""
    problems = []
    for name in names:
        member = state.member(name)
        if member is None or not member.running:
            problems.append(f"{name} is {member.state if member else 'not a member'}")
        elif member.timeline != leader.timeline:
            problems.append(f"{name} is on timeline {member.timeline}, {leader_is} on {leader.timeline}")
        elif member.lag is not None and member.lag > MAX_LAG_BYTES:
            problems.append(f"{name} lags {member.lag} bytes")
    return problems


def _writer_problems(env: DrEnv, key: str, state: ClusterState | None) -> list[str]:
    cluster = env.clusters[key]
    if state is None:
        return [f"no member of the {key} cluster answers"]
    leader = state.leader
    if leader is None or leader.role == "standby_leader" or not leader.running:
        return [f"the {key} cluster has no running leader ({state.summary()})"]
    problems = _member_problems(cluster.names, state, leader, "the leader")
    if env.spec.database.synchronous_mode and len(cluster.names) > 1 and not state.sync_standbys:
        problems.append(f"the {key} cluster has no synchronous standby")
    return problems


def _standby_problems(env: DrEnv, patroni: Patroni, writer: str, write_state: ClusterState | None,
                      state: ClusterState | None) -> list[str]:
    key = other(writer)
    cluster = env.clusters[key]
    if state is None:
        return [f"no member of the {key} cluster answers"]
    leader = state.leader
    if leader is None or leader.role != "standby_leader" or not leader.running:
        return [f"the {key} cluster has no running standby leader ({state.summary()})"]
    problems = _member_problems(cluster.names, state, leader, "its standby leader")
    if write_state is not None and write_state.leader is not None and leader.timeline != write_state.leader.timeline:
        problems.append(f"the {key} standby leader {leader.name} is on timeline {leader.timeline}, "
                        f"the {writer} cluster on {write_state.leader.timeline}")
    source = env.clusters[writer]
    if not any(leader.name in streaming_clients(patroni.member_status(source, name)) for name in source.names):
        problems.append(f"the {key} standby leader {leader.name} streams from no member of the {writer} cluster")
    return problems


def diverged(states: dict[str, ClusterState | None]) -> list[tuple[str, str]]:
    """(cluster, member) running on an older timeline than its cluster's leader. A replica that
    received WAL its old leader wrote after the new leader's fork point cannot follow the new
    timeline ("new timeline forked off ... before current recovery point") and Patroni leaves it so:
    the DR standby cluster's replica, cascading from a standby leader that streamed from the lost
    leader, is the case the drills meet."""
    found = []
    for key, state in states.items():
        leader = state.leader if state is not None else None
        if state is None or leader is None or leader.timeline is None:
            continue
        found += [(key, m.name) for m in state.members
                  if m.name != leader.name and m.running and m.timeline is not None and m.timeline < leader.timeline]
    return found


@dataclass
class Repair:
    """Reinitialises a member that stays diverged for `grace` seconds (a member that is only slow to
    follow a new timeline catches up well within it); `done` lists whom, for the report."""

    env: DrEnv
    patroni: Patroni
    grace: float = 20.0
    seen: dict[tuple[str, str], float] = field(default_factory=dict)
    done: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, cluster, member)

    def __call__(self, topology: Topology) -> None:
        now = time.monotonic()
        current = set(diverged(topology.states))
        self.seen = {k: v for k, v in self.seen.items() if k in current}
        for key, member in current:
            since = self.seen.setdefault((key, member), now)
            if now - since >= self.grace and not any(d[1:] == (key, member) for d in self.done):
                self.patroni.reinitialize(self.env.clusters[key], member)
                self.done.append((now, key, member))


def wait_healthy(env: DrEnv, patroni: Patroni, writer: str, timeout: float,
                 note: Callable[[str], None] | None = None,
                 repair: Callable[[Topology], None] | None = None) -> Topology:
    deadline = time.monotonic() + timeout
    while True:
        topology = check(env, patroni, writer)
        if topology.healthy:
            return topology
        if note is not None:
            note(topology.problems[0])
        if repair is not None:
            repair(topology)
        if time.monotonic() > deadline:
            raise QvError(f"not healthy after {timeout:.0f}s: " + "; ".join(topology.problems), ExitStatus.FAILED)
        time.sleep(1.0)


def require_healthy(env: DrEnv, patroni: Patroni, writer: str) -> Topology:
    topology = check(env, patroni, writer)
    if not topology.healthy:
        raise QvError(f"{env.name} is not healthy, refusing to start: " + "; ".join(topology.problems),
                      ExitStatus.FAILED)
    return topology


@dataclass
class ClusterWatch:
    """Polls `/cluster` of the clusters every `interval` and keeps each change (a background thread)."""

    env: DrEnv
    keys: list[str]
    interval: float = 0.25
    snapshots: list[Snapshot] = field(default_factory=list)
    skip: set[str] = field(default_factory=set)  # members not to ask (crashed, partitioned)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="drill-cluster-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        patroni = self.env.patroni(timeout=1.0)
        last: dict[str, tuple[object, ...] | None] = {}
        try:
            while not self._stop.is_set():
                for key in self.keys:
                    state = patroni.cluster(self.env.clusters[key], skip=self.skip)
                    at = time.monotonic()
                    fingerprint = None if state is None else tuple(
                        (m.name, m.role, m.state, m.timeline) for m in state.members)
                    if key not in last or last[key] != fingerprint:
                        last[key] = fingerprint
                        self.snapshots.append((at, key, state))
                self._stop.wait(self.interval)
        finally:
            patroni.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
