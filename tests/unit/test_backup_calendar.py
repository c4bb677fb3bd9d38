"""Cron -> systemd OnCalendar: the exact same fire times, or a refusal naming the reason."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from cronsim import CronSim
from hypothesis import given, settings
from hypothesis import strategies as st

from qvctl.backup.calendar import CalendarError, oncalendar

from ..conftest import ROOT

BASE = datetime(2026, 1, 30, 13, 7, tzinfo=UTC)  # a Friday, near a month's end


@pytest.mark.parametrize(("cron", "calendar"), [
    ("0 2 * * 0", "Sun *-*-* 02:00:00"),
    ("0 2 * * 7", "Sun *-*-* 02:00:00"),
    ("0 2 * * 1-6", "Mon..Sat *-*-* 02:00:00"),
    ("0 * * * *", "*-*-* *:00:00"),
    ("*/15 1-5 * * *", "*-*-* 01..05:00,15,30,45:00"),
    ("30 3 1,15 * *", "*-*-01,15 03:30:00"),
    ("5 4 * 1-3 6,0", "Sun,Sat *-01..03-* 04:05:00"),
])
def test_spec_like_schedules_convert(cron: str, calendar: str) -> None:
    assert oncalendar(cron) == calendar


@pytest.mark.parametrize(("cron", "reason"), [
    ("0 2 1 * 1", "day of month and day of week are both restricted"),
    ("0 2 * * MON", "'MON' is not a number"),
    ("60 2 * * *", "minute 60 is outside 0-59"),
    ("0 2 * *", "4 fields"),
    ("0 2 * * 5-1", "runs backwards"),
    ("*/0 * * * *", "step 0"),
])
def test_what_a_timer_cannot_do_is_refused_with_the_reason(cron: str, reason: str) -> None:
    with pytest.raises(CalendarError, match=re.escape(reason)):
        oncalendar(cron)


def _systemd_fires(calendar: str, count: int) -> list[datetime]:
    done = subprocess.run(["systemd-analyze", "calendar", f"--iterations={count}",
                           f"--base-time={BASE:%Y-%m-%d %H:%M:%S} UTC", calendar],
                          capture_output=True, text=True, check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", done.stdout)
    return [datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) for s in stamps]


def _cron_fires(cron: str, count: int) -> list[datetime]:
    it = CronSim(cron, BASE)
    return [next(it) for _ in range(count)]


_FIELD = {
    0: st.sampled_from(["*", "0", "30", "*/15", "5-10", "0,20,40", "10-50/20"]),
    1: st.sampled_from(["*", "2", "*/6", "1-5", "0,12", "8-18/2"]),
    2: st.sampled_from(["*", "1", "15", "1-7", "*/10", "28-31"]),
    3: st.sampled_from(["*", "1", "2-4", "*/3", "6,12"]),
    4: st.sampled_from(["*", "0", "1-5", "6,0", "7", "*/2"]),
}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@settings(max_examples=40, deadline=None)
@given(st.tuples(*(_FIELD[i] for i in range(5))))
def test_a_timer_fires_exactly_when_cron_does(fields: tuple[str, ...]) -> None:
    """systemd's own calendar arithmetic against cronsim's, from the same instant, 6 fires ahead."""
    cron = " ".join(fields)
    try:
        calendar = oncalendar(cron)
    except CalendarError:
        assert not fields[2].startswith("*") and not fields[4].startswith("*")
        return
    assert _systemd_fires(calendar, 6) == _cron_fires(cron, 6), f"{cron!r} -> {calendar!r}"


def test_the_ansible_filter_is_the_same_conversion() -> None:
    path = ROOT / "ansible" / "plugins" / "filter" / "qv_schedule.py"
    spec = importlib.util.spec_from_file_location("qv_schedule", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    convert = module.FilterModule().filters()["cron_to_oncalendar"]
    assert convert("0 2 * * 1-6") == "Mon..Sat *-*-* 02:00:00"
    from ansible.errors import AnsibleFilterError
    with pytest.raises(AnsibleFilterError, match="both restricted"):
        convert("0 2 1 * 1")
