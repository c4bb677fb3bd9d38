"""One log record: where it comes from, when, how severe, which request, and its lines as written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any


class Level(IntEnum):
    """The severities `--level` compares (a minimum); every format's own words map onto these."""

    debug = 10
    info = 20
    warning = 30
    error = 40
    critical = 50


# Each format's own level words, lower-cased, in one table (who uses which is noted).
_WORDS: dict[str, Level] = {
    # Python logging (the API, Patroni), zap (etcd), logfmt (Prometheus, Go exporters)
    "debug": Level.debug, "info": Level.info, "warning": Level.warning, "warn": Level.warning,
    "error": Level.error, "critical": Level.critical, "fatal": Level.critical,
    "dpanic": Level.critical, "panic": Level.critical,  # zap's panics, PostgreSQL's PANIC
    # PostgreSQL: DEBUG1-5 are debug; LOG, INFO and NOTICE are informational
    "debug1": Level.debug, "debug2": Level.debug, "debug3": Level.debug, "debug4": Level.debug,
    "debug5": Level.debug, "log": Level.info, "notice": Level.info,
    # nginx's error log
    "crit": Level.critical, "alert": Level.critical, "emerg": Level.critical,
    # supervisord (four letters) and pgBackRest (DETAIL and TRACE are more verbose than INFO)
    "blat": Level.debug, "trac": Level.debug, "debg": Level.debug, "erro": Level.error,
    "trace": Level.debug, "detail": Level.debug, "assert": Level.critical,
}


def level_of(word: str | None) -> Level | None:
    """A format's level word as a Level; None for a word no format uses."""
    return _WORDS.get(word.lower()) if word else None


def level_of_status(status: int | str | None) -> Level:
    """Access lines have no level: a 5xx answer is an error, a 4xx a warning, anything else info."""
    try:
        code = int(status) if status is not None else 0
    except ValueError:
        code = 0
    return Level.error if code >= 500 else Level.warning if code >= 400 else Level.info


@dataclass(frozen=True)
class Start:
    """What a parser found on the first line of a record."""

    time: datetime | None  # aware (UTC); None when the line carries no time of its own
    level: Level | None
    request_id: str | None = None
    fields: dict[str, Any] | None = None  # the parsed object of a JSON line


@dataclass
class Record:
    label: str  # host/component
    time: datetime | None  # its own time, else the time of the record before it in the same file
    level: Level | None
    request_id: str | None
    lines: list[str] = field(default_factory=list)
    fields: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
