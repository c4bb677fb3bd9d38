"""Lines into records: a line that a format recognises starts one, any other line joins the last.

Used alike for a file read at once and for lines as they are appended (`follow`): there the last
record stays open until the next one starts or its file has been quiet for a moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from qvctl.logs.catalog import Format
from qvctl.logs.record import Record, Start


class Assembler:
    def __init__(self, label: str, formats: tuple[Format, ...], last_time: datetime | None = None) -> None:
        self.label = label
        self.formats = formats
        self.last_time = last_time  # what a record without a time of its own inherits
        self.pending: Record | None = None

    def _start(self, line: str) -> Start | None:
        for fmt in self.formats:
            found = fmt.start(line)
            if found is not None:
                return found
        return None

    def feed(self, line: str, orphans: bool = True) -> Record | None:
        """Take one line (no newline); return the record it completed, if any.

        `orphans`: a line that continues a record this assembler never saw (the start of a window
        into the middle of a file) becomes a record of its own; False drops it.
        """
        start = self._start(line)
        if start is None:
            if self.pending is not None:
                self.pending.lines.append(line)
                return None
            if not orphans:
                return None
            start = Start(None, None)
        done = self.pending
        moment = start.time or self.last_time
        if start.time is not None:
            self.last_time = start.time
        self.pending = Record(self.label, moment, start.level, start.request_id, [line], start.fields)
        return done

    def flush(self) -> Record | None:
        done, self.pending = self.pending, None
        return done

    def records(self, lines: Iterable[str], orphans: bool = True) -> Iterator[Record]:
        for line in lines:
            done = self.feed(line, orphans)
            if done is not None:
                yield done
        last = self.flush()
        if last is not None:
            yield last
