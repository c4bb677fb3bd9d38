"""pgBackRest as the database hosts run it: as the OS user postgres, with that host's configuration.

Its console output streams to a progress callback; a failure becomes one QvError carrying
pgBackRest's own `ERROR: [code]: message` (and every line of it: `verify` lists the files it found
damaged there). `info --output=json` is parsed into `BackupSet`s here and nowhere else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qvctl import tools
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import process

RUN_AS = "postgres"
# pgBackRest's own exit code for "another pgBackRest holds the lock" (LockAcquireError).
LOCK_ERROR = 50

_LOG_LINE = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ )?P\d\d\s+(?:[A-Z]+):\s")
_ERROR = re.compile(r"^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ )?(?:P\d\d\s+)?ERROR: \[(\d+)\]: (.*)$")


@dataclass(frozen=True)
class PgBackRest:
    """pgBackRest on one host: its binary, configuration and the repository's stanza."""

    ctx: Context
    config: Path
    stanza: str
    host: str  # for messages

    def argv(self, command: str, *options: str, arguments: Sequence[str] = ()) -> list[str]:
        binary = tools.require(self.ctx, "pgbackrest")
        runuser = self.ctx.which("runuser") or "/usr/sbin/runuser"
        return [runuser, "-u", RUN_AS, "--", binary, f"--config={self.config}", f"--stanza={self.stanza}",
                *options, command, *arguments]

    def run(self, command: str, *options: str, arguments: Sequence[str] = (),
            note: Callable[[str], None] | None = None, log: Path | None = None,
            timeout: float | None = None) -> process.Completed:
        """Run `command`; raise QvError with pgBackRest's own error when it fails."""
        done = process.run(self.argv(command, *options, arguments=arguments), env=self.ctx.environ,
                           on_line=_progress(note), log=log, timeout=timeout)
        if done.returncode != 0:
            raise QvError(f"pgbackrest {command} on {self.host} failed: "
                          f"{error_message(done.stdout + done.stderr, done.returncode)}",
                          ExitStatus.LOCKED if done.returncode == LOCK_ERROR else ExitStatus.FAILED)
        return done

    def info(self) -> list[dict[str, Any]]:
        done = self.run("info", "--output=json", "--log-level-console=warn")
        try:
            data = json.loads(done.stdout)
        except ValueError:
            raise QvError(f"pgbackrest info on {self.host} printed no JSON: {done.stdout[:200]!r}") from None
        if not isinstance(data, list):
            raise QvError(f"pgbackrest info on {self.host}: expected a list of stanzas, got {type(data).__name__}")
        return data


def _progress(note: Callable[[str], None] | None) -> Callable[[str], None] | None:
    if note is None:
        return None

    def on_line(line: str) -> None:
        text = _LOG_LINE.sub("", line).strip()
        if text:
            note(text)

    return on_line


def error_message(output: str, returncode: int) -> str:
    """pgBackRest's `ERROR: [code]: message` with its continuation lines, as one line; else the output's tail."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        match = _ERROR.match(line.strip())
        if match:
            parts = [f"[{match.group(1)}] {match.group(2).strip()}"]
            for more in lines[index + 1:]:
                if _LOG_LINE.match(more) or _ERROR.match(more.strip()):
                    break
                if more.strip():
                    parts.append(more.strip())
            return " ".join(parts)
    tail = process.tail_text(output, 3).replace("\n", " | ")
    return f"exit code {returncode}" + (f": {tail}" if tail else "")


# --- info --output=json -----------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSet:
    label: str
    type: str  # full, diff, incr
    start: datetime
    stop: datetime
    database_size: int  # bytes of the cluster's files
    repository_size: int  # bytes stored in the repository (compressed)
    wal_start: str  # first WAL segment the backup needs
    wal_stop: str  # last one
    lsn_start: str | None
    lsn_stop: str | None
    prior: str | None
    error: bool  # pgBackRest found a page checksum error while copying

    def age_seconds(self, now: datetime) -> float:
        return (now - self.stop).total_seconds()

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {"label": self.label, "type": self.type, "start": self.start.isoformat(),
                "stop": self.stop.isoformat(), "duration_seconds": (self.stop - self.start).total_seconds(),
                "database_size": self.database_size, "repository_size": self.repository_size,
                "wal_start": self.wal_start, "wal_stop": self.wal_stop, "lsn_start": self.lsn_start,
                "lsn_stop": self.lsn_stop, "prior": self.prior, "error": self.error,
                "age_seconds": round(self.age_seconds(now))}


@dataclass(frozen=True)
class StanzaInfo:
    name: str
    status_code: int
    status: str
    backups: list[BackupSet]
    wal_min: str | None
    wal_max: str | None

    @property
    def latest(self) -> BackupSet | None:
        return self.backups[-1] if self.backups else None


def _time(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC)


def parse_backup(entry: dict[str, Any]) -> BackupSet:
    try:
        info = entry.get("info", {})
        archive = entry.get("archive", {})
        lsn = entry.get("lsn") or {}
        return BackupSet(
            label=str(entry["label"]), type=str(entry["type"]),
            start=_time(entry["timestamp"]["start"]), stop=_time(entry["timestamp"]["stop"]),
            database_size=int(info.get("size", 0)),
            repository_size=int((info.get("repository") or {}).get("delta", 0)),
            wal_start=str(archive.get("start") or ""), wal_stop=str(archive.get("stop") or ""),
            lsn_start=lsn.get("start"), lsn_stop=lsn.get("stop"),
            prior=entry.get("prior"), error=bool(entry.get("error", False)),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise QvError(f"pgbackrest info: a backup entry without {err} ({json.dumps(entry)[:160]})") from None


def parse_info(data: Sequence[dict[str, Any]], stanza: str) -> StanzaInfo:
    """The stanza's entry of `pgbackrest info --output=json`, backups oldest first."""
    for entry in data:
        if entry.get("name") == stanza:
            status = entry.get("status") or {}
            archives = entry.get("archive") or []
            backups = sorted((parse_backup(b) for b in entry.get("backup") or []), key=lambda b: (b.stop, b.label))
            return StanzaInfo(stanza, int(status.get("code", -1)), str(status.get("message", "")), backups,
                              min((a["min"] for a in archives if a.get("min")), default=None),
                              max((a["max"] for a in archives if a.get("max")), default=None))
    names = ", ".join(str(e.get("name")) for e in data) or "none"
    raise QvError(f"the repository has no stanza {stanza} (stanzas: {names})", ExitStatus.FAILED)
