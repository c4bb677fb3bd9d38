"""How old the newest backup may be, from the spec's schedules, and the alerts that say it is older.

The metrics come from `pgbackrest info --output=json`, written by a textfile collector of the node
exporter: `qv_pgbackrest_last_backup_completed_timestamp_seconds{stanza, type}` (the newest completed
backup of each type) and `qv_pgbackrest_info_success{stanza}`.

A level is "a backup of this type or a stronger one": a full backup contains what a differential
would, and when schedules fall on the same minute only the strongest runs (qvctl.backup.schedule),
so the Sunday full stands in for that day's differential. The allowed age of a level is the longest
gap between consecutive fires of its schedules, plus MARGIN for the backup itself to complete.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

from cronsim import CronSim

from qvctl.backup.cluster import stanza
from qvctl.backup.schedule import SPEC_FIELDS, TYPES
from qvctl.monitoring.rulefmt import alert, rule_file
from qvctl.spec import Environment

# The time a backup takes to complete (the age counts from its completion, the schedule from its
# start) and one that waits behind another: a full backup holds pgBackRest's lock, so the hourly
# incremental due during it is skipped. Raise it when full backups take longer than an hour or so.
MARGIN = timedelta(hours=2)

# Cron has no year: every minute/hour/day/month/weekday pattern repeats within a (leap) year, and
# the gap that crosses the year's end is measured by going one fire past it.
_START = datetime(2024, 1, 1)
_HORIZON = timedelta(days=366)

_METRIC = "qv_pgbackrest_last_backup_completed_timestamp_seconds"
_INFO = "qv_pgbackrest_info_success"
_LEVEL_NAMES = {"full": "full backup", "diff": "full or differential backup", "incr": "backup (of any type)"}


def level_types(level: str) -> tuple[str, ...]:
    """The pgBackRest types that count for a level: itself and the stronger ones."""
    return TYPES[: TYPES.index(level) + 1]


def _fires(expressions: list[str]) -> Iterator[datetime]:
    merged = heapq.merge(*(iter(CronSim(e, _START - timedelta(minutes=1))) for e in expressions))
    end = _START + _HORIZON
    for at in merged:
        yield at
        if at > end:
            return


def longest_gap(expressions: list[str]) -> timedelta:
    """The longest time between two consecutive fires of any of the cron expressions."""
    fires = list(dict.fromkeys(_fires(expressions)))  # two schedules on one minute are one backup
    return max((b - a for a, b in itertools.pairwise(fires)), default=_HORIZON)


def allowed_age(env: Environment, level: str) -> timedelta:
    schedule = env.backup.schedule
    return longest_gap([str(getattr(schedule, SPEC_FIELDS[t])) for t in level_types(level)]) + MARGIN


def _duration(delta: timedelta) -> str:
    """A PromQL duration: whole hours (the gaps of cron schedules are whole minutes, MARGIN hours)."""
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _seconds(delta: timedelta) -> str:
    """A number of seconds PromQL reads as written: `26 * 3600` rather than 93600."""
    seconds = int(delta.total_seconds())
    return f"{seconds // 3600} * 3600" if seconds % 3600 == 0 else str(seconds)


def _schedules(env: Environment, level: str) -> str:
    schedule = env.backup.schedule
    return ", ".join(f"{SPEC_FIELDS[t]} {getattr(schedule, SPEC_FIELDS[t])!r}" for t in level_types(level))


def backup_alerts(env: Environment) -> list[dict[str, object]]:
    name = stanza(env)
    rules: list[dict[str, object]] = []
    for level in TYPES:
        limit = allowed_age(env, level)
        types = "|".join(level_types(level))
        gap = limit - MARGIN
        rules.append(alert(
            "PostgresBackupTooOld",
            f'time() - max by (stanza) ({_METRIC}{{stanza="{name}", type=~"{types}"}})\n'
            f"  > {_seconds(limit)}\n",
            for_="5m", severity="warning", area="backups", labels={"backup_type": level},
            summary=f"The newest {_LEVEL_NAMES[level]} of {{{{ $labels.stanza }}}} is older than the schedule "
                    "allows.",
            description=(f"The newest {_LEVEL_NAMES[level]} of {{{{ $labels.stanza }}}} completed "
                         f"{{{{ $value | humanizeDuration }}}} ago. The schedule ({_schedules(env, level)}) leaves "
                         f"at most {_duration(gap)} between two, plus {_duration(MARGIN)} to complete."),
        ))
    any_level = allowed_age(env, TYPES[-1])
    rules.append(alert(
        "PostgresNoBackup",
        f'max by (stanza) ({_INFO}{{stanza="{name}"}}) == 1\nunless on (stanza)\n{_METRIC}{{stanza="{name}"}}\n',
        # The first scheduled backup of a new stanza, whatever its type, is a full one (pgBackRest
        # has nothing to base another on): one is due within the "any" level's allowance.
        for_=_duration(any_level), severity="warning", area="backups",
        summary="The backup repository holds no backup of {{ $labels.stanza }}.",
        description=(f"pgbackrest info has answered for {{{{ $labels.stanza }}}} for {_duration(any_level)} "
                     "without listing a completed backup: no restore is possible."),
    ))
    rules.append(alert(
        "PostgresBackupInfoFailing",
        # absent() carries the stanza label of its matcher: both halves are one series per stanza.
        f'max by (stanza) ({_INFO}{{stanza="{name}"}}) == 0\nor\nabsent({_INFO}{{stanza="{name}"}})\n',
        for_="15m", severity="warning", area="backups",
        summary="pgbackrest info fails for {{ $labels.stanza }}: backups cannot be watched.",
        description=("For 15 minutes `pgbackrest info` for {{ $labels.stanza }} has failed on every host that runs "
                     "it, or no host has reported it at all: the backup age alerts see only older figures, or "
                     "none."),
    ))
    return rules


def backup_rules(env: Environment) -> dict[str, object]:
    return rule_file(("backups.alerts", backup_alerts(env)))
