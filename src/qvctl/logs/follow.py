"""`qvctl logs -f`: every selected file followed by name, new records merged as they come.

As `tail -F`: a file replaced under its name (supervisord renames api.log to api.log.1 and opens
a new api.log) is read to its end first, then the new one from its start; a truncated file
(PostgreSQL reuses last week's file of the same weekday) is read again from its start. Files
that appear later (a new weekday's file, a pgBackRest command's first log) are found by listing
the sources again every second. A record stays open until the next one starts in its file or
the file has been quiet for half a second, so a traceback is printed whole.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from qvctl.logs.assemble import Assembler
from qvctl.logs.history import Position, sort_key, split_lines
from qvctl.logs.query import Query
from qvctl.logs.record import Record
from qvctl.logs.sources import Source

QUIET_SECONDS = 0.5
POLL_SECONDS = 0.2
RELIST_SECONDS = 1.0


class Cursor:
    """One file by name: how far it was read, and the start of a line not yet complete."""

    def __init__(self, path: Path, position: Position | None, at_end: bool) -> None:
        self.path = path
        self.handle: BinaryIO | None = None
        self.inode: int | None = None
        self.partial = b""
        self._open(position, at_end)

    def _open(self, position: Position | None, at_end: bool) -> None:
        try:
            handle = self.path.open("rb")
        except OSError:
            return
        self.handle, self.inode = handle, os.fstat(handle.fileno()).st_ino
        if position is not None and position.inode == self.inode:
            handle.seek(position.offset)
        elif at_end and position is None:
            handle.seek(0, os.SEEK_END)

    def _drain(self, final: bool = False) -> list[str]:
        assert self.handle is not None
        data = self.partial + self.handle.read()
        lines: list[str] = []
        if b"\n" in data:
            complete, _, self.partial = data.rpartition(b"\n")
            lines = split_lines(complete)
        else:
            self.partial = data
        if final and self.partial:
            lines.append(self.partial.decode("utf-8", errors="replace"))
            self.partial = b""
        return lines

    def read(self) -> list[str]:
        """The lines completed since the last read, across a rotation or truncation."""
        try:
            info: os.stat_result | None = os.stat(self.path)
        except OSError:
            info = None
        lines: list[str] = []
        if self.handle is not None:
            if info is None or info.st_ino != self.inode:
                lines += self._drain(final=True)  # the old file's last lines come first
                self.close()
            elif info.st_size < self.handle.tell():
                self.handle.seek(0)
                self.partial = b""
        if self.handle is None and info is not None:
            self._open(None, at_end=False)
        if self.handle is not None:
            lines += self._drain()
        return lines

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle, self.inode = None, None


class _Followed:
    def __init__(self, source: Source, cursor: Cursor) -> None:
        self.cursor = cursor
        self.assembler = Assembler(source.label, source.formats)
        self.last_line = time.monotonic()

    def poll(self, now: float) -> list[Record]:
        done = []
        lines = self.cursor.read()
        for line in lines:
            record = self.assembler.feed(line)
            if record is not None:
                done.append(record)
        if lines:
            self.last_line = now
        elif self.assembler.pending is not None and now - self.last_line >= QUIET_SECONDS:
            last = self.assembler.flush()
            if last is not None:
                done.append(last)
        return done


class Follower:
    def __init__(self, sources: list[Source], positions: dict[Path, Position],
                 relist: Callable[[], list[Source]]) -> None:
        self.relist = relist
        self.files: dict[Path, _Followed] = {}
        self.listed = time.monotonic()
        for source in sources:
            for path in source.live:
                # Present at the start: from where the history stopped (or its end, if not read).
                self.files[path] = _Followed(source, Cursor(path, positions.get(path), at_end=True))

    def _find_new_files(self) -> None:
        for source in self.relist():
            for path in source.live:
                if path not in self.files:
                    self.files[path] = _Followed(source, Cursor(path, None, at_end=False))

    def poll(self) -> list[Record]:
        now = time.monotonic()
        if now - self.listed >= RELIST_SECONDS:
            self.listed = now
            self._find_new_files()
        records = [r for followed in list(self.files.values()) for r in followed.poll(now)]
        return sorted(records, key=sort_key)

    def close(self) -> None:
        for followed in self.files.values():
            followed.cursor.close()


def follow(follower: Follower, query: Query, emit: Callable[[Record], None], stop: threading.Event) -> None:
    """Emit each new matching record until `stop` is set (Ctrl-C interrupts the wait in between)."""
    try:
        while not stop.is_set():
            for record in follower.poll():
                if query.keeps(record):
                    emit(record)
            stop.wait(POLL_SECONDS)
    finally:
        follower.close()
