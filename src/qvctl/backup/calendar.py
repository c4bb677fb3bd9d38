"""A five-field cron expression as a systemd calendar event (`OnCalendar=`), or why it cannot be one.

The spec writes backup schedules as cron expressions (people know them); cloud hosts fire them
with systemd timers. The two languages differ in one way that matters: when both day-of-month
and day-of-week are restricted, cron fires on EITHER, systemd only on BOTH. Such an expression
is refused here (and so by the spec check) rather than converted into a timer that fires less
often than the spec says. Every other field is expanded into the exact set of values it names
(`*/15` -> `0,15,30,45`, `1-5` -> `1..5`), so the event fires on exactly cron's instants; the unit
tests compare both with `systemd-analyze calendar`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


class CalendarError(ValueError):
    """The expression is not a five-field cron expression systemd can fire exactly."""


@dataclass(frozen=True)
class _Field:
    values: frozenset[int]
    star: bool  # the field starts with '*' (cron's rule for combining the two day fields)


def _number(text: str, field: int) -> int:
    low, high = _RANGES[field]
    if not text.isdigit():
        raise CalendarError(f"{_FIELDS[field]} {text!r} is not a number (names, L, W and # are not supported)")
    value = int(text)
    if not low <= value <= high:
        raise CalendarError(f"{_FIELDS[field]} {value} is outside {low}-{high}")
    return value


def _item(text: str, field: int) -> set[int]:
    low, high = _RANGES[field]
    base, _, step_text = text.partition("/")
    step = _number(step_text, 0) if step_text else 1
    if step_text and step == 0:
        raise CalendarError(f"{_FIELDS[field]} step 0 in {text!r}")
    if base == "*":
        start, end = low, high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _number(first, field), _number(last, field)
        if end < start:
            raise CalendarError(f"{_FIELDS[field]} range {base!r} runs backwards")
    else:
        start = _number(base, field)
        end = high if step_text else start
    return set(range(start, end + 1, step))


def _field(text: str, field: int) -> _Field:
    if not text:
        raise CalendarError(f"empty {_FIELDS[field]}")
    values: set[int] = set()
    for item in text.split(","):
        values |= _item(item, field)
    if field == 4 and 7 in values:  # 7 is Sunday too
        values = (values - {7}) | {0}
    return _Field(frozenset(values), text.startswith("*"))


def _runs(values: frozenset[int]) -> list[tuple[int, int]]:
    ordered = sorted(values)
    runs = []
    for _, group in itertools.groupby(enumerate(ordered), key=lambda pair: pair[1] - pair[0]):
        members = [value for _, value in group]
        runs.append((members[0], members[-1]))
    return runs


def _numbers(field: _Field, full: frozenset[int], width: int) -> str:
    return "*" if field.values == full else _ranges(field.values, lambda value: f"{value:0{width}d}")


def _weekdays(field: _Field) -> str:
    return "" if field.values == frozenset(range(7)) else _ranges(field.values, _WEEKDAYS.__getitem__)


def _ranges(values: frozenset[int], label: Callable[[int], str]) -> str:
    """systemd's list syntax: runs of three or more as `first..last`, the rest one by one."""
    parts = []
    for start, end in _runs(values):
        if end - start >= 2:
            parts.append(f"{label(start)}..{label(end)}")
        else:
            parts.extend(label(value) for value in range(start, end + 1))
    return ",".join(parts)


def _full(field: int) -> frozenset[int]:
    low, high = _RANGES[field]
    return frozenset(range(low, 7 if field == 4 else high + 1))


def oncalendar(expression: str) -> str:
    """`0 2 * * 1-6` -> `Mon..Sat *-*-* 02:00:00`. Raises CalendarError with the reason."""
    parts = expression.split()
    if len(parts) != 5:
        raise CalendarError(f"{len(parts)} fields; a cron expression has 5 (minute hour day month weekday)")
    minute, hour, day, month, weekday = (_field(text, index) for index, text in enumerate(parts))
    day_restricted = day.values != _full(2)
    weekday_restricted = weekday.values != _full(4)
    if day_restricted and weekday_restricted and not (day.star or weekday.star):
        raise CalendarError("day of month and day of week are both restricted: cron fires when either matches, "
                            "a systemd timer only when both do; write two schedules instead")
    date = f"*-{_numbers(month, _full(3), 2)}-{_numbers(day, _full(2), 2)}"
    time = f"{_numbers(hour, _full(1), 2)}:{_numbers(minute, _full(0), 2)}:00"
    days = _weekdays(weekday)
    return f"{days} {date} {time}" if days else f"{date} {time}"
