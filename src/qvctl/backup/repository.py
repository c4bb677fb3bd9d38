"""What `pgbackrest verify` found, as repository objects a person can go and look at.

pgBackRest 2.45's verify names damaged files by their name inside a backup
(`20261129-162850F/pg_data/global/4178.zst`); with bundling on, many such files share one object
in the bucket (`.../20261129-162850F/bundle/2`), which is what was damaged or removed. The backup's
manifest says which bundle holds which file, so each problem is reported with its object.

verify also does not notice a WAL segment missing from the archive: it checks the segments that
are there, and lists (at log level detail) the ranges they form. A hole in a range after the oldest
backup's first segment is WAL a restore needs, so it is reported here as a missing object.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from qvctl.backup.pgbackrest import BackupSet

_PROBLEM = re.compile(r"\b(invalid checksum|file missing|invalid size|invalid result) '([^']+)'")
_RANGE = re.compile(r"archiveId: (\S+), wal start: ([0-9A-F]{24}), wal stop: ([0-9A-F]{24})")
_STATUS = re.compile(r"^\s*status: (\w+)", re.MULTILINE)
# 16 MiB segments (PostgreSQL's default, which the platform keeps): 256 per log file.
SEGMENTS_PER_LOG = 0x100


@dataclass(frozen=True)
class Problem:
    what: str  # invalid checksum, file missing, ...
    path: str  # as verify names it: <label>/pg_data/... or <archive id>/<log>/<segment>...


@dataclass
class VerifyOutput:
    status: str  # "ok" or "error"
    problems: list[Problem] = field(default_factory=list)
    # archive id -> [(first, last)] contiguous WAL ranges, in verify's order
    ranges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def parse_verify(output: str) -> VerifyOutput:
    statuses = _STATUS.findall(output)
    parsed = VerifyOutput("error" if "error" in statuses else (statuses[0] if statuses else "unknown"))
    for line in output.splitlines():
        for what, path in _PROBLEM.findall(line):
            parsed.problems.append(Problem(what, path))
        for archive_id, first, last in _RANGE.findall(line):
            parsed.ranges.setdefault(archive_id, []).append((first, last))
    return parsed


def segment_number(name: str) -> tuple[int, int]:
    """(timeline, position) of a 24-hex-digit WAL segment name."""
    return int(name[:8], 16), int(name[8:16], 16) * SEGMENTS_PER_LOG + int(name[16:24], 16)


def segment_name(timeline: int, position: int) -> str:
    log, seg = divmod(position, SEGMENTS_PER_LOG)
    return f"{timeline:08X}{log:08X}{seg:08X}"


def wal_holes(ranges: dict[str, list[tuple[str, str]]], backups: list[BackupSet]) -> list[tuple[str, str]]:
    """(archive id, segment) for each segment missing inside a timeline after the oldest backup's start."""
    needed_from: dict[int, int] = {}
    for backup in backups:
        if backup.wal_start:
            timeline, position = segment_number(backup.wal_start)
            needed_from[timeline] = min(needed_from.get(timeline, position), position)
    holes: list[tuple[str, str]] = []
    for archive_id, spans in ranges.items():
        by_timeline: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for first, last in spans:
            timeline, start = segment_number(first)
            by_timeline[timeline].append((start, segment_number(last)[1]))
        for timeline, pieces in by_timeline.items():
            pieces.sort()
            floor = needed_from.get(timeline, min(needed_from.values(), default=0) if needed_from else 0)
            for (_, end), (start, _) in itertools.pairwise(pieces):
                for position in range(end + 1, start):
                    if position >= floor:
                        holes.append((archive_id, segment_name(timeline, position)))
    return holes


def bundles(manifest: str) -> dict[str, str]:
    """pg_data/... file -> the object that stores it, relative to the backup set's folder."""
    where: dict[str, str] = {}
    section = ""
    for line in manifest.splitlines():
        if line.startswith("["):
            section = line.strip()
            continue
        if section != "[target:file]" or "=" not in line:
            continue
        name, _, value = line.partition("=")
        try:
            attributes = json.loads(value)
        except ValueError:
            continue
        label = attributes.get("reference")
        prefix = f"../{label}/" if label else ""
        where[name] = f"{prefix}bundle/{attributes['bni']}" if "bni" in attributes else f"{prefix}{name}"
    return where


def describe(problems: list[Problem], manifests: dict[str, str], holes: list[tuple[str, str]],
             backup_prefix: str, archive_prefix: str) -> list[str]:
    """One line per damaged or missing repository object, with the files of it verify named."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for problem in problems:
        label, _, inner = problem.path.partition("/")
        if re.fullmatch(r"\d+-\d+", label):  # an archive id (15-1): the file is a WAL segment object
            grouped[(problem.what, f"{archive_prefix}/{problem.path}")].append(problem.path.rsplit("/", 1)[-1])
            continue
        stem = inner.removesuffix(".zst").removesuffix(".gz").removesuffix(".lz4").removesuffix(".bz2")
        located = bundles(manifests[label]).get(stem) if label in manifests else None
        if located is None:
            obj = f"{backup_prefix}/{label}/{inner}"
        elif located.startswith("../"):
            obj = f"{backup_prefix}/{located[3:]}"
        elif located.startswith("bundle/"):
            obj = f"{backup_prefix}/{label}/{located}"
        else:
            obj = f"{backup_prefix}/{label}/{inner}"
        grouped[(problem.what, obj)].append(stem)
    lines = []
    for (what, obj), files in grouped.items():
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        lines.append(f"{obj}: {what} ({shown})")
    for archive_id, segment in holes:
        lines.append(f"{archive_prefix}/{archive_id}/{segment[:16]}/{segment}: missing from the WAL archive "
                     "(a restore from the backups before it needs it)")
    return lines
