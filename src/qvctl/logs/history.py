"""The last records of each source, read from the end of its files backwards in growing windows.

Reading whole files would cost seconds once supervisord's 10 MB files fill up, for a command
that usually wants the last 50 lines. A window starts 64 KiB from the end and grows fourfold
until it holds enough matching records, reaches back before --since, or covers the file; then
the next older file (a rotated copy) is read the same way. A window's first lines may continue a
record that starts before it: they are dropped, never shown as a record of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qvctl.logs.assemble import Assembler
from qvctl.logs.query import Query
from qvctl.logs.record import Record
from qvctl.logs.sources import Source

FIRST_WINDOW = 64 * 1024


@dataclass(frozen=True)
class Position:
    """How far a file was read (to the end of its last complete line): `follow` goes on from there."""

    inode: int
    offset: int


def split_lines(data: bytes) -> list[str]:
    return [line.decode("utf-8", errors="replace").rstrip("\r") for line in data.split(b"\n")]


def _window(source: Source, path: Path, start: int, end: int) -> list[Record]:
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    lines = split_lines(data[:-1] if data.endswith(b"\n") else data)
    if start > 0:
        lines = lines[1:]  # the window cut this line
    return list(Assembler(source.label, source.formats).records(lines, orphans=start == 0))


def _complete_end(path: Path, size: int) -> int:
    """The offset just after the last newline before `size` (a line still being written is not read)."""
    with path.open("rb") as handle:
        step = 4096
        end = size
        while end > 0:
            start = max(0, end - step)
            handle.seek(start)
            chunk = handle.read(end - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            end = start
        return 0


def _file_records(source: Source, path: Path, end: int, query: Query, want: int | None,
                  found: int) -> tuple[list[Record], bool]:
    """Matching records of one file up to `end`, and whether older files can be skipped: there are
    enough for `want` (with `found` from newer files), or the file reaches back before --since."""
    window = FIRST_WINDOW
    while True:
        start = max(0, end - window)
        records = _window(source, path, start, end) if end > start else []
        kept = [r for r in records if query.keeps(r)]
        enough = want is not None and found + len(kept) >= want
        first_time = next((r.time for r in records if r.time is not None), None)
        before_since = query.since is not None and first_time is not None and first_time < query.since
        if enough or before_since or start == 0:
            return kept, enough or before_since
        window *= 4


def read_source(source: Source, query: Query, want: int | None) -> tuple[list[Record], dict[Path, Position]]:
    """The last `want` matching records of a source (all with None), oldest first, and where its
    live files were read to."""
    positions: dict[Path, Position] = {}
    ends: dict[Path, int] = {}
    for path in source.history:
        try:
            info = path.stat()
            end = _complete_end(path, info.st_size)
        except OSError:  # rotated away or unreadable since it was listed
            continue
        ends[path] = end
        if path in source.live:
            positions[path] = Position(info.st_ino, end)
    collected: list[Record] = []
    if want == 0:
        return collected, positions
    for path in reversed(source.history):  # newest first
        if path not in ends:
            continue
        try:
            older, done = _file_records(source, path, ends[path], query, want, len(collected))
        except OSError:
            continue
        collected = older + collected
        if done:
            break
    return (collected[-want:] if want is not None else collected), positions


def newest(records: list[Record], want: int | None) -> list[Record]:
    """Records of every source merged by time (stable: one source's order is kept on equal times)."""
    ordered = sorted(records, key=sort_key)
    if want is None:
        return ordered
    return ordered[-want:] if want > 0 else []


def sort_key(record: Record) -> float:
    # A record with no time at all (lines before the first timed one in a file) sorts first.
    return record.time.timestamp() if record.time is not None else float("-inf")
