"""The local scheduler's fire times come from the spec, the strongest type wins a shared minute,
and the loop fires on time and skips what it missed, as cron does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from qvctl.backup import schedule
from qvctl.spec.model import BackupSchedule

from ..conftest import ROOT

LOCAL = yaml.safe_load((ROOT / "environments" / "local.yaml").read_text())


def test_schedules_are_the_specs() -> None:
    spec = BackupSchedule(**LOCAL["backup"]["schedule"])
    assert schedule.schedules(spec) == {"full": LOCAL["backup"]["schedule"]["full"],
                                        "diff": LOCAL["backup"]["schedule"]["differential"],
                                        "incr": LOCAL["backup"]["schedule"]["incremental"]}


def test_the_next_day_of_the_local_spec() -> None:
    """Saturday 23:30: hourly incrementals, then Sunday 02:00 is the full one (not also an incremental)."""
    expressions = schedule.schedules(BackupSchedule(full="0 2 * * 0", differential="0 2 * * 1-6",
                                                    incremental="0 * * * *"))
    fires = schedule.upcoming(expressions, datetime(2026, 1, 31, 23, 30, tzinfo=UTC), 4)
    assert [(f.at.strftime("%a %H:%M"), f.type) for f in fires] == [
        ("Sun 00:00", "incr"), ("Sun 01:00", "incr"), ("Sun 02:00", "full"), ("Sun 03:00", "incr")]
    monday = schedule.next_fire(expressions, datetime(2026, 2, 2, 1, 59, tzinfo=UTC))
    assert (monday.at.hour, monday.type) == (2, "diff")


def test_a_bad_expression_names_its_type() -> None:
    with pytest.raises(ValueError, match="incr schedule '61 \\* \\* \\* \\*'"):
        schedule.next_fire({"incr": "61 * * * *"}, datetime(2026, 1, 1, tzinfo=UTC))


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_the_loop_fires_each_due_backup_and_skips_the_ones_a_long_backup_missed() -> None:
    clock = Clock(datetime(2026, 1, 31, 23, 59, 30, tzinfo=UTC))
    expressions = {"full": "0 2 * * 0", "diff": "0 2 * * 1-6", "incr": "* * * * *"}
    fired: list[tuple[str, str]] = []

    def fire(due: schedule.Fire) -> None:
        fired.append((due.at.strftime("%H:%M"), due.type))
        if len(fired) == 1:
            clock.now += timedelta(minutes=3, seconds=10)  # a slow backup: 00:01..00:03 pass meanwhile

    runs = schedule.run_forever(lambda after: schedule.next_fire(expressions, after), fire, clock.sleep,
                                now=clock, max_runs=3)
    assert runs == 3
    assert fired == [("00:00", "incr"), ("00:04", "incr"), ("00:05", "incr")]
    assert max(clock.slept) <= 60


def test_every_is_a_fixed_interval_of_one_type() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    fire = schedule.Every(5, "incr").next_fire(start)
    assert fire == schedule.Fire(start + timedelta(seconds=5), "incr")
