"""Timestamps as the formats write them, made comparable: every time becomes an aware UTC datetime.

A format that writes no offset (Patroni, Redis, pgBackRest, supervisord, nginx's error log, Go's
log package) writes the local time of the machine it runs on; locally that is this machine, so a
naive time is read in this machine's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime


def aware(moment: datetime) -> datetime:
    """A naive time is this machine's local time (astimezone assumes so); the result is UTC."""
    return moment.astimezone(UTC)


def iso(text: str) -> datetime | None:
    """ISO 8601 as the JSON formats write it: with `Z`, an offset or none; None if it is not one."""
    try:
        return aware(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def strptime(text: str, layout: str) -> datetime | None:
    try:
        return aware(datetime.strptime(text, layout))
    except ValueError:
        return None


def postgres(text: str) -> datetime | None:
    """PostgreSQL's `%m`: `2026-11-29 21:45:28.477 UTC`; a zone other than UTC/GMT is read as local."""
    stamp, _, zone = text.rpartition(" ")
    if not stamp:
        stamp, zone = text, ""
    moment = strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
    if moment is not None and zone in ("UTC", "GMT"):
        return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return moment
