"""What `qvctl logs` keeps: a minimum level, a time range, one request id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.logs.record import Level, Record

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
# Characters the API accepts in a request id (and nginx's are hex): anything else ends one.
_ID_CHARS = r"A-Za-z0-9._:\-"


def parse_when(option: str, text: str, now: datetime | None = None) -> datetime:
    """ISO 8601 (UTC when no offset is given, as `restore --to-time`), or a duration ago: 90s, 10m, 2h, 1d, 1h30m."""
    value = text.strip()
    found = _DURATION.match(value)
    if value and found and any(found.groups()):
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
        ago = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
        return (now or datetime.now(UTC)) - ago
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QvError(f"{option} {text!r} is neither an ISO 8601 time (2026-01-31T14:05:00Z) nor a duration ago "
                      "(10m, 2h, 1d)", ExitStatus.INVALID_INPUT) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass(frozen=True)
class Query:
    level: Level | None = None
    since: datetime | None = None
    until: datetime | None = None
    request_id: str | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.until < self.since:
            raise QvError(f"--until ({self.until.isoformat()}) is before --since ({self.since.isoformat()})",
                          ExitStatus.INVALID_INPUT)

    @property
    def narrows(self) -> bool:
        """A time range or a request id: then every match is shown unless -n says otherwise."""
        return self.since is not None or self.until is not None or self.request_id is not None

    def keeps(self, record: Record) -> bool:
        if self.level is not None and (record.level is None or record.level < self.level):
            return False
        if self.since is not None and (record.time is None or record.time < self.since):
            return False
        if self.until is not None and (record.time is None or record.time > self.until):
            return False
        return self.request_id is None or self._has_request_id(record)

    def _has_request_id(self, record: Record) -> bool:
        """The record's own request id field, or the id as a whole word in its text (any format)."""
        assert self.request_id is not None
        if record.request_id is not None:
            return record.request_id == self.request_id
        pattern = rf"(?<![{_ID_CHARS}]){re.escape(self.request_id)}(?![{_ID_CHARS}])"
        return re.search(pattern, record.text) is not None
