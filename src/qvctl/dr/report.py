"""What a drill measured, and the arithmetic behind each figure (pure functions, unit-tested).

* RTO: from the fault to the acknowledgement of the first write *started* at or after the fault.
  A write started before the fault may be acknowledged a moment after it by a leader that has not
  noticed anything yet; counting it would report a recovery that never had to happen.
* RPO: the acknowledged writes that are missing when every id is read back from the leader at the
  end: their count, and the time span they cover, from the first one's start to the last one's
  acknowledgement (so even one lost write has a duration: its own).
* Two leaders: a write acknowledged after the fault and missing at the end can only have been
  acknowledged by a leader whose history was then discarded; the partition drill also reads the
  old leader's own copy before the partition heals.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from qvctl.dr.cluster import ClusterState
from qvctl.dr.writer import Clock, Write, first_acknowledged_after


def rto_seconds(writes: Iterable[Write], fault_at: float) -> float | None:
    first = first_acknowledged_after(writes, fault_at)
    return None if first is None or first.done is None else max(0.0, first.done - fault_at)


def lost_writes(writes: Iterable[Write], present: set[str]) -> list[Write]:
    """Acknowledged writes whose id is not in `present` (what the leader holds at the end)."""
    return sorted((w for w in writes if w.acknowledged and w.id not in present), key=lambda w: w.sent)


def lost_span_seconds(lost: list[Write]) -> float:
    """From the first lost write's start to the last one's acknowledgement; 0 when none is lost."""
    if not lost:
        return 0.0
    return max((w.done or w.sent) for w in lost) - min(w.sent for w in lost)


def longest_ack_gap(writes: Iterable[Write], start: float, end: float) -> float | None:
    """The longest time without an acknowledgement from the last one at or before `start` to the
    first one at or after `end`: a planned switch's write outage. (The first acknowledgement after
    the request may still come from the old leader, which keeps taking writes until it demotes.)"""
    acks = sorted(w.done for w in writes if w.acknowledged and w.done is not None)
    before = [t for t in acks if t <= start]
    after = [t for t in acks if t >= end]
    if not after:
        return None
    window = [before[-1]] if before else [start]
    window += [t for t in acks if start < t < after[0]] + [after[0]]
    return max(b - a for a, b in itertools.pairwise(window))


Snapshot = tuple[float, str, ClusterState | None]  # (monotonic time, cluster key, its state or None)


def first_snapshot(snapshots: Iterable[Snapshot], key: str, since: float,
                   predicate: Callable[[ClusterState | None], bool]) -> Snapshot | None:
    """The first observation of cluster `key` at or after `since` for which `predicate` holds."""
    return next((s for s in snapshots if s[1] == key and s[0] >= since and predicate(s[2])), None)


@dataclass(frozen=True)
class Target:
    """What a scenario must achieve; None means the figure is reported, not judged."""

    rto_seconds: float | None = None
    lost_writes: int | None = None
    lost_span_seconds: float | None = None
    two_leaders: int | None = 0

    def judge(self, rto: float | None, lost: int, span: float, two_leaders: int) -> dict[str, bool]:
        verdict: dict[str, bool] = {}
        if self.rto_seconds is not None:
            verdict["rto"] = rto is not None and rto <= self.rto_seconds
        if self.lost_writes is not None:
            verdict["lost_writes"] = lost <= self.lost_writes
        if self.lost_span_seconds is not None:
            verdict["lost_span"] = span <= self.lost_span_seconds
        if self.two_leaders is not None:
            verdict["two_leaders"] = two_leaders <= self.two_leaders
        return verdict


@dataclass(frozen=True)
class Outage:
    """A planned switch inside a drill (the region loss's failback): how long writes stopped."""

    name: str
    source: str
    target: str
    requested: float  # monotonic: the demotion was asked for
    promoted: float  # the other cluster accepts writes
    demoted_at_lsn: int


@dataclass
class Event:
    at: float  # monotonic
    name: str
    detail: str = ""


@dataclass
class DrillReport:
    scenario: str
    environment: str
    clock: Clock
    target: Target
    fault: str = ""
    fault_host: str = ""  # the host the fault hit, when it hit one
    fault_at: float | None = None
    events: list[Event] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    skipped_ticks: int = 0
    rate: float = 0.0
    present: set[str] = field(default_factory=set)
    read_from: str = ""
    old_leader_check: str = ""
    acknowledged_by_old_leader_only: int = 0
    outages: list[Outage] = field(default_factory=list)
    planned: bool = False  # a planned switch: its RTO is its write outage
    restored: bool = False
    left: list[str] = field(default_factory=list)
    error: str = ""

    def event(self, at: float, name: str, detail: str = "") -> None:
        self.events.append(Event(at, name, detail))

    # --- the figures ---

    @property
    def rto(self) -> float | None:
        if self.planned and self.outages:
            return self.outage_seconds(self.outages[0])
        return None if self.fault_at is None else rto_seconds(self.writes, self.fault_at)

    def outage_seconds(self, outage: Outage) -> float | None:
        return longest_ack_gap(self.writes, outage.requested, outage.promoted)

    @property
    def lost(self) -> list[Write]:
        return lost_writes(self.writes, self.present)

    @property
    def two_leaders(self) -> int:
        """Acknowledged after the fault yet missing at the end, plus what the old leader alone holds."""
        if self.fault_at is None:
            return self.acknowledged_by_old_leader_only
        fault_at = self.fault_at
        late = [w for w in self.lost if w.done is not None and w.sent >= fault_at]
        return len(late) + self.acknowledged_by_old_leader_only

    @property
    def verdict(self) -> dict[str, bool]:
        lost = self.lost
        return self.target.judge(self.rto, len(lost), lost_span_seconds(lost), self.two_leaders)

    @property
    def passed(self) -> bool:
        return not self.error and self.restored and all(self.verdict.values())

    def _offset(self, at: float) -> float:
        return round(at - (self.fault_at if self.fault_at is not None else self.clock.start_monotonic), 3)

    def as_dict(self) -> dict[str, Any]:
        lost = self.lost
        acked = [w for w in self.writes if w.acknowledged]
        statuses: dict[str, int] = {}
        for w in self.writes:
            if not w.acknowledged:
                key = str(w.status) if w.status is not None else (w.error or "no answer")
                statuses[key] = statuses.get(key, 0) + 1
        rto = self.rto
        return {
            "scenario": self.scenario,
            "environment": self.environment,
            "passed": self.passed,
            "fault": self.fault,
            "fault_host": self.fault_host or None,
            "fault_at": self.clock.iso(self.fault_at) if self.fault_at is not None else None,
            "rto_seconds": _rounded(rto),
            "rpo": {
                "lost_writes": len(lost),
                "lost_span_seconds": round(lost_span_seconds(lost), 3),
                "first_lost_started_at": self.clock.iso(lost[0].sent) if lost else None,
                "last_lost_acknowledged_at": self.clock.iso(max(w.done or w.sent for w in lost)) if lost else None,
                "lost_ids": [w.id for w in lost[:20]],
            },
            "two_leaders": {
                "acknowledged_by_two_leaders": self.two_leaders,
                "old_leader_check": self.old_leader_check or "acknowledged after the fault and missing at the end",
            },
            "target": {k: v for k, v in asdict(self.target).items() if v is not None},
            "verdict": self.verdict,
            "writes": {
                "rate_per_second": self.rate,
                "attempted": len(self.writes),
                "acknowledged": len(acked),
                "failed": dict(sorted(statuses.items())),
                "not_started_all_busy": self.skipped_ticks,
                "read_back_from": self.read_from,
            },
            "planned_switches": [
                {"name": o.name, "from": o.source, "to": o.target, "requested_at": self.clock.iso(o.requested),
                 "write_outage_seconds": _rounded(self.outage_seconds(o)), "demoted_at_lsn": o.demoted_at_lsn,
                 "lost_writes": len([w for w in lost if w.sent >= o.requested])}
                for o in self.outages
            ],
            "timeline": [
                {"t_seconds": self._offset(e.at), "at": self.clock.iso(e.at), "event": e.name, "detail": e.detail}
                for e in sorted(self.events, key=lambda e: e.at)
            ],
            "restored": self.restored,
            "left": self.left,
            "error": self.error or None,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
