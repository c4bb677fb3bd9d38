"""When backups run: the spec's cron schedules (`backup.schedule`), evaluated with cronsim.

Cloud hosts fire them with systemd timers (roles/pgbackrest, `cron_to_oncalendar`); the local
platform has no systemd, so `qvctl backup schedule ENV` runs under the environment's supervisord
and fires the same expressions itself. When several schedules fall on the same minute (hourly
incrementals meet the nightly differential at 02:00) only the strongest backup runs: a full
backup contains what a differential would, and a differential what an incremental would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim, CronSimError

from qvctl.spec.model import BackupSchedule

# pgBackRest's --type values, strongest first.
TYPES = ("full", "diff", "incr")
# The spec's names for them.
SPEC_FIELDS = {"full": "full", "diff": "differential", "incr": "incremental"}


@dataclass(frozen=True)
class Fire:
    at: datetime
    type: str  # full, diff or incr


def schedules(spec: BackupSchedule) -> dict[str, str]:
    """pgBackRest backup type -> cron expression, from the spec."""
    return {kind: str(getattr(spec, field)) for kind, field in SPEC_FIELDS.items()}


def next_fire(expressions: dict[str, str], after: datetime) -> Fire:
    """The first instant strictly after `after` at which a schedule fires, with the strongest type due then."""
    times: dict[str, datetime] = {}
    for kind, expression in expressions.items():
        try:
            times[kind] = next(CronSim(expression, after))
        except CronSimError as err:
            raise ValueError(f"{kind} schedule {expression!r}: {err}") from None
    at = min(times.values())
    due = [kind for kind in TYPES if times.get(kind) == at]
    return Fire(at, due[0])


def upcoming(expressions: dict[str, str], after: datetime, count: int) -> list[Fire]:
    fires: list[Fire] = []
    moment = after
    for _ in range(count):
        fire = next_fire(expressions, moment)
        fires.append(fire)
        moment = fire.at
    return fires


@dataclass(frozen=True)
class Every:
    """A fixed interval instead of the spec's schedules (tests and drills: cron's unit is a minute)."""

    seconds: float
    type: str

    def next_fire(self, after: datetime) -> Fire:
        return Fire(after + timedelta(seconds=self.seconds), self.type)


def run_forever(next_of: Callable[[datetime], Fire], fire: Callable[[Fire], None],
                sleep: Callable[[float], None], now: Callable[[], datetime] = lambda: datetime.now(UTC),
                max_runs: int | None = None) -> int:
    """Wait for each fire time and call `fire`; a fire time missed while a backup ran is skipped, as cron does.

    Returns the number of backups started (only when `max_runs` ends the loop).
    """
    runs = 0
    upcoming_fire = next_of(now())
    while max_runs is None or runs < max_runs:
        wait = (upcoming_fire.at - now()).total_seconds()
        if wait > 0:
            sleep(min(wait, 60.0))  # wake at least every minute: a clock jump must not stall it
            continue
        fire(upcoming_fire)
        runs += 1
        upcoming_fire = next_of(max(now(), upcoming_fire.at))
    return runs
