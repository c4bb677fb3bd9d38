"""The drills: a fault under a live writer, measured, then the topology put back as it was.

Every drill runs the same frame: refuse unless the topology is healthy; start the writer and the
`/cluster` watch; let writes flow; inject the fault; wait for the first acknowledged write after
it (the RTO); put back what the fault took (heal, rebuild, fail back) and wait for the original
topology; stop the writer; read every id back from the leader (the RPO); report. Whatever
happens, a partition is healed and the report says what was left when the drill could not put
something back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from qvctl.context import QvError
from qvctl.dr import faults, switch
from qvctl.dr.cluster import ClusterState, psql
from qvctl.dr.environment import DrEnv
from qvctl.dr.report import DrillReport, Event, Outage, Snapshot, Target
from qvctl.dr.topology import ClusterWatch, Repair, check, require_healthy, wait_healthy
from qvctl.dr.writer import Clock, Writer, new_run_id
from qvctl.exit_status import ExitStatus
from qvctl.platform.process import is_interrupt

Note = Callable[[str], None]


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    target: Target


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("leader-kill", "the primary cluster's leader host crashes (kill -9 of all its processes)",
             Target(rto_seconds=10, lost_writes=0)),
    Scenario("replica-kill", "the synchronous standby's host crashes (kill -9 of all its processes)",
             Target(rto_seconds=10, lost_writes=0)),
    Scenario("etcd-member-kill", "the leader host's etcd member crashes (kill -9)",
             Target(rto_seconds=10, lost_writes=0)),
    Scenario("network-partition", "the leader host is cut off from etcd and its peers",
             Target(rto_seconds=15, lost_writes=0)),
    Scenario("region-loss", "every database host of the primary region stops at once; the DR cluster is "
             "promoted, the primary cluster rebuilt from it, then a planned failback",
             Target(rto_seconds=60, lost_span_seconds=5)),
)}
SWITCHES: dict[str, Scenario] = {
    "dr": Scenario("failover", "planned failover to the DR cluster", Target(lost_writes=0)),
    "primary": Scenario("failback", "planned failback to the primary cluster", Target(lost_writes=0)),
}


@dataclass(frozen=True)
class Options:
    rate: float = 20.0  # writes per second
    baseline_seconds: float = 3.0  # writes before the fault
    settle_seconds: float = 2.0  # writes after the topology is back
    recovery_timeout: float = 90.0  # fault -> first acknowledged write
    restore_timeout: float = 240.0  # -> the original topology, healthy
    # A crashed host (leader-kill, replica-kill, etcd-member-kill) comes back after this long: longer
    # than Patroni's TTL, as a real reboot, so the cluster has to fail over. 0: supervisord restarts
    # it at once, and a leader back before its key expired simply keeps the lead.
    down_for: float = 20.0


@dataclass
class Drill:
    env: DrEnv
    scenario: Scenario
    note: Note
    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        self.clock = Clock()
        self.report = DrillReport(self.scenario.name, self.env.name, self.clock, self.scenario.target,
                                  rate=self.options.rate)
        self.patroni = self.env.patroni()
        self.watch = ClusterWatch(self.env, list(self.env.clusters))
        self.writer = Writer(self.env.edge_url, self.env.ca_only(), new_run_id(), self.env.api_token(),
                             self.options.rate)
        self.leader = ""  # the writing cluster's leader before the fault
        self.sync: list[str] = []
        self.partition: faults.Partition | None = None
        self.reboot: threading.Thread | None = None
        self.repair = Repair(self.env, self.patroni)

    # --- the frame ---

    def run(self, body: Callable[[], None], writer_before: str = "primary", writer_after: str = "primary") -> (
            DrillReport):
        report = self.report
        topology = require_healthy(self.env, self.patroni, writer_before)
        state = topology.states[writer_before]
        assert state is not None and state.leader is not None
        self.leader, self.sync = state.leader.name, state.sync_standbys
        self.note(f"healthy: {topology.describe()}")
        self.writer.create_portfolio()
        self.watch.start()
        self.writer.start()
        try:
            flowing = self.writer.wait_acknowledged_since(self.clock.now(), 30)
            if flowing is None:
                raise QvError("no write was acknowledged before the fault: the API does not take writes",
                              ExitStatus.FAILED)
            time.sleep(self.options.baseline_seconds)
            body()
            self._join_reboot()
            self.note(f"waiting for the topology to be healthy again ({writer_after} cluster leading)")
            wait_healthy(self.env, self.patroni, writer_after, self.options.restore_timeout, self.note,
                         self.repair)
            report.event(self.clock.now(), "recovered", "original topology healthy" if writer_after == "primary"
                         else f"the {writer_after} cluster leads, the other follows it")
            time.sleep(self.options.settle_seconds)
        except QvError as err:
            if is_interrupt(err):
                raise  # after the `finally` below: the partition healed, the writer stopped
            report.error = err.message
        finally:
            self._heal_partition()
            self._join_reboot()
            self.writer.stop()
            self.watch.stop()
        for at, key, member in self.repair.done:
            report.event(at, "reinitialised", f"{key}: {member} had diverged from its leader's timeline")
        report.writes = list(self.writer.writes)
        report.skipped_ticks = self.writer.skipped
        # From the start: a leader change before the fault would be a spurious failover, shown as such.
        report.events += events_from(self.watch.snapshots, self.clock.start_monotonic)
        self._read_back(writer_after)
        final = check(self.env, self.patroni, writer_after)
        report.restored = final.healthy and not report.error
        report.left += final.problems
        self._delete_portfolio()
        self.patroni.close()
        return report

    def _heal_partition(self) -> None:
        if self.partition is None:
            return
        try:
            self.partition.heal()
            self.report.event(self.clock.now(), "partition healed", self.partition.host)
        except QvError as err:
            self.report.left.append(f"partition of {self.partition.host} not healed: {err.message} "
                                    f"(qvctl down {self.env.name} removes it)")
        self.partition = None

    def _fault(self, description: str, inject: Callable[[], tuple[float, str]], host: str = "") -> float:
        """Inject the fault; `inject` returns when it took effect (monotonic) and what it did."""
        self.report.fault = description
        self.report.fault_host = host
        self.note(f"fault: {description}")
        at, detail = inject()
        self.report.fault_at = at
        self.report.event(at, "fault injected", detail)
        return at

    def _crash(self, host: str, components: set[str] | None = None) -> tuple[float, str]:
        """kill -9 a host (or some of its programs); it comes back after `down_for` seconds."""
        down_for = self.options.down_for
        crash = faults.crash(self.env.paths, {host: self._address(host)}, components, stay_down=down_for > 0)
        if down_for > 0:
            def reboot() -> None:
                time.sleep(max(0.0, crash.at + down_for - time.monotonic()))
                started = self.clock.now()
                try:
                    faults.start_programs(self.env.paths, crash.programs)
                    self.report.event(started, "host back", f"{', '.join(crash.programs)} started again")
                except QvError as err:
                    self.report.left.append(f"could not start {', '.join(crash.programs)} again: {err.message}")

            self.reboot = threading.Thread(target=reboot, name="drill-reboot", daemon=True)
            self.reboot.start()
        return crash.at, crash.describe() + (f"; back after {down_for:g}s" if down_for > 0 else "")

    def _join_reboot(self) -> None:
        if self.reboot is not None:
            self.reboot.join()
            self.reboot = None

    def _first_ack(self, since: float, what: str = "first acknowledged write") -> float:
        first = self.writer.wait_acknowledged_since(since, self.options.recovery_timeout)
        if first is None or first.done is None:
            raise QvError(f"no write was acknowledged within {self.options.recovery_timeout:.0f}s of the fault",
                          ExitStatus.FAILED)
        self.report.event(first.done, what, first.id)
        self.note(f"{what} {first.done - since:.1f}s after")
        return first.done

    def _committed_ids(self, host: str) -> set[str]:
        rows = psql(self.env.paths, host, self.env.spec.database.name,
                    "SELECT idempotency_key FROM transactions WHERE portfolio_id = :'portfolio'",
                    self.env.psql, {"portfolio": self.writer.portfolio_id})
        return set(rows)

    def _read_back(self, writer_cluster: str) -> None:
        # The cluster expected to lead, else whichever leads (a drill that stopped half-way).
        states = self._all_states()
        ordered = [states[writer_cluster], *(s for k, s in states.items() if k != writer_cluster)]
        leaders = [s.leader.name for s in ordered if s is not None and s.leader is not None and s.accepts_writes]
        if not leaders:
            self.report.error = self.report.error or "no leader to read the writes back from"
            return
        try:
            self.report.present = self._committed_ids(leaders[0])
            self.report.read_from = leaders[0]
        except QvError as err:
            self.report.error = self.report.error or f"reading the writes back from {leaders[0]}: {err.message}"

    def _all_states(self) -> dict[str, ClusterState | None]:
        return {key: self.patroni.cluster(cluster) for key, cluster in self.env.clusters.items()}

    def _delete_portfolio(self) -> None:
        with contextlib.suppress(httpx.HTTPError), httpx.Client(
                base_url=self.env.edge_url, verify=self.env.ca_only(), timeout=10,
                headers={"Authorization": f"Bearer {self.writer.token}"}) as client:
            client.delete(f"/api/v1/portfolios/{self.writer.portfolio_id}")

    # --- the scenarios ---

    def _address(self, host: str) -> str:
        return self.env.clusters["primary"].address(host)

    def leader_kill(self) -> None:
        host = self.leader
        at = self._fault(f"kill -9 of every process of {host} (the primary cluster's leader)",
                         lambda: self._crash(host), host)
        self._first_ack(at)

    def replica_kill(self) -> None:
        cluster = self.env.clusters["primary"]
        host = self.sync[0] if self.sync else next(n for n in cluster.names if n != self.leader)
        role = "synchronous standby" if self.sync else "replica"
        at = self._fault(f"kill -9 of every process of {host} (the {role})", lambda: self._crash(host), host)
        self._first_ack(at)

    def etcd_member_kill(self) -> None:
        host = self.leader
        at = self._fault(f"kill -9 of etcd-{host} (the leader host's etcd member)",
                         lambda: self._crash(host, {"etcd"}), host)
        self._first_ack(at)

    def network_partition(self) -> None:
        host = self.leader
        address = self.env.clusters["primary"].address(host)
        partition = faults.Partition(self.env.name, host, address, self.env.paths, self.env.nft)
        self.partition = partition

        def inject() -> tuple[float, str]:
            partition.apply()
            return partition.at, (f"{len(partition.pids)} processes in cgroup {partition.cgroup}, nft table inet "
                    f"{faults.nft_table(self.env.name)} ({len(partition.flows)} open connections cut)")

        at = self._fault(f"network partition of {host} (the primary cluster's leader, {address})", inject, host)
        self.watch.skip = {host}
        self._first_ack(at)
        switch.wait_for("a new leader in the primary cluster", lambda: s if (
            s := self.patroni.cluster(self.env.clusters["primary"], skip={host})) is not None
            and s.accepts_writes and s.leader is not None and s.leader.name != host else None,
            self.options.recovery_timeout)
        self._check_old_leader(host)
        self._heal_partition()
        self.watch.skip = set()

    def _check_old_leader(self, host: str) -> None:
        """Before the partition heals (a rewind would erase it): what does the old leader alone hold?"""
        self.note(f"reading {host}'s own copy over its unix socket (the network cannot reach it)")
        deadline = time.monotonic() + 60
        old: set[str] | None = None
        last = ""
        while old is None and time.monotonic() < deadline:
            try:
                old = self._committed_ids(host)
            except QvError as err:  # Patroni restarts it read-only once it has lost etcd
                last = err.message
                time.sleep(1)
        state = self.patroni.cluster(self.env.clusters["primary"], skip={host})
        if old is None or state is None or state.leader is None:
            self.report.old_leader_check = f"could not read {host}'s copy before the partition healed: {last}"
            return
        new = self._committed_ids(state.leader.name)
        only_old = old - new
        acked = {w.id for w in self.writer.writes if w.acknowledged}
        self.report.acknowledged_by_old_leader_only = len(only_old & acked)
        self.report.old_leader_check = (
            f"{host}'s own copy, read over its unix socket before the partition healed, holds {len(only_old)} "
            f"write(s) the new leader {state.leader.name} does not; {len(only_old & acked)} of them acknowledged")
        self.report.event(self.clock.now(), "old leader checked", self.report.old_leader_check)

    def region_loss(self) -> None:
        primary = self.env.clusters["primary"]
        hosts = primary.names

        def inject() -> tuple[float, str]:
            stopped = faults.crash(self.env.paths, {h: primary.address(h) for h in hosts}, stay_down=True)
            return stopped.at, stopped.describe()

        at = self._fault(f"loss of the primary region: {', '.join(hosts)} stop at once", inject)
        self.report.left.append(f"until the rebuild: {', '.join(hosts)} stopped, the DR cluster leads")
        if self.patroni.cluster(primary) is not None:
            raise QvError("a member of the primary cluster still answers after the region stopped")
        self.report.event(self.clock.now(), "primary cluster unreachable", "no member answers")
        self.note("promoting the DR cluster")
        promote_at = self.clock.now()
        self.report.event(promote_at, "DR promotion requested", "PATCH /config standby_cluster: null")
        leader, promoted_at = switch.promote(self.env, self.patroni, "dr", self.options.recovery_timeout)
        self.report.event(promoted_at, "DR cluster accepts writes", leader)
        self._first_ack(at)
        # As `qvctl dr rebuild ENV --cluster primary` does: the configuration from the cluster's own etcd.
        switch.rebuild_as_follower(self.env, self.patroni, "primary", "dr", None, self.note)
        wait_healthy(self.env, self.patroni, "dr", self.options.restore_timeout, self.note, self.repair)
        self.report.event(self.clock.now(), "primary cluster rebuilt", "a standby cluster following the DR cluster")
        self.report.left.pop()
        self.report.left.append("the DR cluster leads; the primary cluster follows it (qvctl dr failback "
                                f"{self.env.name} makes it primary again)")
        self._planned("failback", "dr", "primary")
        self.report.left.pop()

    def planned(self, source: str, target: str) -> None:
        self.report.fault = f"planned switch: the {source} cluster demoted, then the {target} cluster promoted"
        self.report.planned = True
        self._planned(self.scenario.name, source, target, as_fault=True)

    def _planned(self, name: str, source: str, target: str, as_fault: bool = False) -> None:
        started = self.clock.now()
        if as_fault:
            self.report.fault_at = started
        self.report.event(started, f"{name}: demotion requested", f"the {source} cluster")
        result = switch.planned_switch(self.env, self.patroni, source, target, self.note)
        self.report.event(result.caught_up, f"{name}: caught up",
                          f"the {target} cluster replayed up to {result.last_lsn} (where {result.demoted} stopped)")
        self.report.event(result.promoted_at, f"{name}: {target} cluster accepts writes", result.promoted)
        self._first_ack(result.promoted_at, f"{name}: first acknowledged write")
        self.report.outages.append(Outage(name, source, target, started, result.promoted_at, result.last_lsn))


def events_from(snapshots: list[Snapshot], since: float) -> list[Event]:
    """What the `/cluster` watch saw change after `since`: leaders lost and won, synchronous
    standbys, a cluster no member of which answers."""
    events: list[Event] = []
    previous: dict[str, ClusterState | None] = {}
    for at, key, state in snapshots:
        first = key not in previous
        before = previous.get(key)
        previous[key] = state
        if first or at < since:
            continue  # the first observation is the starting point, not a change
        was = before.leader.name if before is not None and before.leader is not None else None
        now = state.leader.name if state is not None and state.leader is not None else None
        if state is None:
            if before is not None:
                events.append(Event(at, "cluster unreachable", f"{key}: no member answers"))
            continue
        if was is not None and now != was:
            # Patroni's watch makes a replica take the key the moment it expires: the loss and the new
            # leader often show in the same poll.
            events.append(Event(at, "leader lost", f"{key}: {was} no longer holds the leader key"))
        if now is not None and now != was and state.leader is not None:
            name = "new leader" if state.accepts_writes else "new standby leader"
            events.append(Event(at, name, f"{key}: {now} ({state.leader.role}, {state.leader.state})"))
        elif before is not None and before.accepts_writes != state.accepts_writes and now is not None:
            events.append(Event(at, "new leader" if state.accepts_writes else "leader demoted",
                                f"{key}: {now} ({state.leader.role if state.leader else ''})"))
        if before is not None and set(before.sync_standbys) != set(state.sync_standbys):
            events.append(Event(at, "synchronous standby", f"{key}: {', '.join(state.sync_standbys) or 'none'}"))
    return events


def run_scenario(env: DrEnv, name: str, note: Note, options: Options | None = None) -> DrillReport:
    if name not in SCENARIOS:
        raise QvError(f"unknown scenario {name!r}; one of: {', '.join(SCENARIOS)}", ExitStatus.INVALID_INPUT)
    drill = Drill(env, SCENARIOS[name], note, options or Options())
    bodies: dict[str, Callable[[], None]] = {
        "leader-kill": drill.leader_kill,
        "replica-kill": drill.replica_kill,
        "etcd-member-kill": drill.etcd_member_kill,
        "network-partition": drill.network_partition,
        "region-loss": drill.region_loss,
    }
    return drill.run(bodies[name])


def run_switch(env: DrEnv, to: str, note: Note, options: Options | None = None) -> DrillReport:
    if to not in SWITCHES:
        raise QvError(f"--to must be one of: {', '.join(SWITCHES)}", ExitStatus.INVALID_INPUT)
    source = "primary" if to == "dr" else "dr"
    drill = Drill(env, SWITCHES[to], note, options or Options())
    return drill.run(lambda: drill.planned(source, to), writer_before=source, writer_after=to)

