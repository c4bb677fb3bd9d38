"""The drill report's arithmetic: RTO, lost writes and their span, outages, targets, events."""

from __future__ import annotations

from qvctl.dr.cluster import ClusterState
from qvctl.dr.drills import events_from
from qvctl.dr.report import (
    DrillReport,
    Outage,
    Target,
    longest_ack_gap,
    lost_span_seconds,
    lost_writes,
    rto_seconds,
)
from qvctl.dr.writer import Clock, Write, first_acknowledged_after


def w(id_: str, sent: float, done: float | None, status: int | None = 201) -> Write:
    return Write(id_, sent, done, status)


WRITES = [
    w("a", 0.0, 0.1),
    w("b", 1.0, 1.1),
    w("c", 1.9, 2.3),  # started before the fault at 2.0, acknowledged after it
    w("d", 2.1, 7.0, 503),  # failed during the outage
    w("e", 3.0, 8.5),  # first write started after the fault to be acknowledged
    w("f", 8.0, 8.2),  # acknowledged before e: the first acknowledgement after the fault
    w("g", 9.0, None, None),  # no answer at all
]


def test_rto_counts_only_writes_started_after_the_fault() -> None:
    assert rto_seconds(WRITES, 2.0) == 8.2 - 2.0
    first = first_acknowledged_after(WRITES, 2.0)
    assert first is not None and first.id == "f"


def test_rto_is_none_when_no_write_came_back() -> None:
    assert rto_seconds([w("a", 0.0, 0.1), w("b", 3.0, 4.0, 503)], 2.0) is None


def test_lost_writes_are_the_acknowledged_ids_missing_at_the_end() -> None:
    lost = lost_writes(WRITES, present={"a", "e", "f", "d"})
    assert [x.id for x in lost] == ["b", "c"]  # d failed, g never answered: not acknowledged


def test_the_lost_span_runs_from_the_first_lost_start_to_the_last_lost_acknowledgement() -> None:
    assert lost_span_seconds([]) == 0.0
    assert lost_span_seconds([w("b", 1.0, 1.1), w("c", 1.9, 2.3)]) == 2.3 - 1.0
    one = lost_span_seconds([w("c", 1.9, 2.3)])
    assert abs(one - 0.4) < 1e-9  # one lost write still covers its own duration


def test_targets_judge_each_figure_they_set() -> None:
    target = Target(rto_seconds=10, lost_writes=0)
    assert target.judge(9.9, 0, 0.0, 0) == {"rto": True, "lost_writes": True, "two_leaders": True}
    assert target.judge(10.1, 0, 0.0, 0)["rto"] is False
    assert target.judge(None, 0, 0.0, 0)["rto"] is False
    assert target.judge(1.0, 1, 0.2, 0)["lost_writes"] is False
    assert Target(lost_span_seconds=5).judge(1.0, 3, 5.5, 0)["lost_span"] is False
    assert Target().judge(1.0, 0, 0.0, 1)["two_leaders"] is False


def test_a_lost_write_acknowledged_after_the_fault_counts_as_two_leaders() -> None:
    report = DrillReport("network-partition", "local", Clock(0.0, 1000.0), Target(rto_seconds=15, lost_writes=0))
    report.fault_at = 2.0
    report.writes = WRITES
    report.present = {"a", "b", "c", "f"}  # e, acknowledged after the fault, is gone
    assert report.two_leaders == 1
    report.restored = True
    data = report.as_dict()
    assert data["rpo"]["lost_writes"] == 1 and data["rpo"]["lost_ids"] == ["e"]
    assert data["verdict"] == {"rto": True, "lost_writes": False, "two_leaders": False}
    assert data["passed"] is False
    assert data["writes"]["failed"] == {"503": 1, "no answer": 1}


def test_the_report_dates_events_relative_to_the_fault() -> None:
    report = DrillReport("leader-kill", "local", Clock(100.0, 1_700_000_000.0), Target(rto_seconds=10))
    report.fault_at = 102.0
    report.event(102.0, "fault injected")
    report.event(108.5, "first acknowledged write")
    timeline = report.as_dict()["timeline"]
    assert [(e["t_seconds"], e["event"]) for e in timeline] == [(0.0, "fault injected"),
                                                                 (6.5, "first acknowledged write")]
    assert timeline[0]["at"] == "2023-11-14T22:13:22.000Z"


def _state(*members: tuple[str, str, str]) -> ClusterState:
    return ClusterState.of({"members": [{"name": n, "role": r, "state": s, "timeline": 1} for n, r, s in members]},
                           "db2")


def test_events_name_the_lost_leader_the_new_one_and_the_synchronous_standby() -> None:
    # Each cluster's first observation is where it started, not an event.
    before = _state(("db1", "leader", "running"), ("db2", "sync_standby", "running"), ("db3", "replica", "running"))
    after = _state(("db1", "replica", "running"), ("db2", "leader", "running"), ("db3", "replica", "running"))
    synced = _state(("db2", "leader", "running"), ("db3", "sync_standby", "running"))
    events = events_from([(0.5, "dr", synced), (1.0, "primary", before), (5.0, "primary", after),
                          (6.0, "primary", synced), (7.0, "dr", None), (8.0, "dr", None)], since=0.0)
    assert [(e.at, e.name) for e in events] == [
        (5.0, "leader lost"), (5.0, "new leader"), (5.0, "synchronous standby"),
        (6.0, "synchronous standby"), (7.0, "cluster unreachable")]
    assert "db2" in events[1].detail and "db3" in events[3].detail


def test_a_planned_switchs_outage_is_the_longest_time_without_an_acknowledgement() -> None:
    # The old leader still acknowledges at 10.05 (after the request at 10.0); nothing until the
    # promoted cluster's first acknowledgement at 13.0 (it accepted writes at 12.8).
    writes = [w("a", 9.5, 9.6), w("b", 9.98, 10.05), w("c", 10.1, 11.0, 503), w("d", 12.9, 13.0), w("e", 13.0, 13.1)]
    assert longest_ack_gap(writes, 10.0, 12.8) == 13.0 - 10.05
    assert longest_ack_gap(writes, 10.0, 14.0) is None  # writes never came back
    report = DrillReport("failover", "local", Clock(0.0, 0.0), Target(lost_writes=0), planned=True, writes=writes)
    report.outages.append(Outage("failover", "primary", "dr", 10.0, 12.8, 1234))
    assert report.rto == 13.0 - 10.05
    assert report.as_dict()["planned_switches"][0]["write_outage_seconds"] == round(13.0 - 10.05, 3)
