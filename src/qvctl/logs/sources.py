"""The log files of a local environment, grouped by host and component.

    hosts/<host>/log/<component>.log       each supervised program's output (rotated by supervisord
                                           to <component>.log.1, .2)
    hosts/<host>/log/postgresql/*.json     PostgreSQL's jsonlog (its logging collector; *.log beside
                                           them: what its child processes print themselves)
    hosts/<host>/log/pgbackrest/*.log      pgBackRest's own log, one file per command
    emulator/emulator.log, supervisor/supervisord.log, logs/backup-scheduler.log   on no host

The layout is the Ansible roles' (qv_service writes the program logs, roles/patroni the
collector's folder, roles/pgbackrest its log-path); `qvctl logs` only reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qvctl.backup import supervised
from qvctl.logs import catalog
from qvctl.logs.catalog import Format
from qvctl.platform.paths import EnvPaths

CONTROLLER = "controller"  # what the emulator, supervisord and the scheduler run on
_ROTATED = re.compile(r"^(?P<stem>.+)\.log\.(?P<n>\d+)$")


@dataclass(frozen=True)
class Source:
    host: str
    component: str
    formats: tuple[Format, ...]
    history: tuple[Path, ...]  # every file, oldest first (rotated copies before the live file)
    live: tuple[Path, ...]  # the files still written to, followed by name

    @property
    def label(self) -> str:
        return f"{self.host}/{self.component}"


def _rotated(live: Path) -> list[Path]:
    """supervisord's copies of `live`, oldest first (<name>.log.2 before <name>.log.1)."""
    copies = []
    for candidate in live.parent.glob(f"{live.name}.*"):
        found = _ROTATED.match(candidate.name)
        if found and found["stem"] == live.stem:
            copies.append((int(found["n"]), candidate))
    return [path for _, path in sorted(copies, reverse=True)]


def _by_age(files: list[Path]) -> tuple[Path, ...]:
    """Files a program writes side by side (PostgreSQL's per-weekday files), oldest first."""
    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0
    return tuple(sorted(files, key=lambda p: (mtime(p), p.name)))


def _program(host: str, live: Path, component: str | None = None) -> Source:
    name = component or live.stem
    return Source(host, name, catalog.formats_of(name), (*_rotated(live), live), (live,))


def _folder(host: str, component: str, files: list[Path]) -> Source | None:
    """Files of one format that a program writes side by side in a folder, all of them live."""
    if not files:
        return None
    ordered = _by_age(files)
    return Source(host, component, catalog.formats_of(component, ordered[0]), ordered, ordered)


def _host_sources(host: str, log_dir: Path) -> list[Source]:
    found = [_program(host, live) for live in sorted(log_dir.glob("*.log"))]
    postgres = log_dir / "postgresql"
    for extra in (
        _folder(host, "postgresql", _listing(postgres, "*.json")),
        _folder(host, "postgresql", _listing(postgres, "*.log")),
        _folder(host, "pgbackrest", _listing(log_dir / "pgbackrest", "*.log")),
    ):
        if extra is not None:
            found.append(extra)
    return found


def _listing(folder: Path, pattern: str) -> list[Path]:
    try:
        return [p for p in folder.glob(pattern) if p.is_file()]
    except PermissionError:  # pgBackRest's and PostgreSQL's folders are their users' (0750)
        return []


def discover(paths: EnvPaths) -> list[Source]:
    """Every source of the environment that has a file now: hosts in name order, then the controller's."""
    sources: list[Source] = []
    if paths.hosts_dir.is_dir():
        for host_dir in sorted(p for p in paths.hosts_dir.iterdir() if (p / "log").is_dir()):
            sources.extend(_host_sources(host_dir.name, host_dir / "log"))
    for component, live in (("emulator", paths.emulator_log), ("supervisord", paths.supervisor_log),
                            (supervised.PROGRAM, supervised.log_file(paths))):
        if live.is_file():
            sources.append(_program(CONTROLLER, live, component))
    return sources


# What `qvctl logs moto` meant before the emulator had its name.
_ALIASES = {"moto": "emulator"}


def select(sources: list[Source], wanted: list[str], hosts: list[str]) -> tuple[list[Source], list[str]]:
    """The sources named by COMPONENT or HOST/COMPONENT (none: all), on `hosts` (none: all).

    A name that matches no component exactly matches those it begins (`nginx-exp`), as before.
    Returns the sources and the names that matched nothing.
    """
    on_hosts = [s for s in sources if not hosts or s.host in hosts]
    if not wanted:
        return on_hosts, []
    chosen: list[Source] = []
    unknown: list[str] = []
    for name in wanted:
        host, _, component = name.rpartition("/")
        component = _ALIASES.get(component, component)
        candidates = [s for s in on_hosts if not host or s.host == host]
        matched = [s for s in candidates if s.component == component] or \
            [s for s in candidates if s.component.startswith(component)]
        if not matched:
            unknown.append(name)
        chosen.extend(s for s in matched if s not in chosen)
    return chosen, unknown


def known(sources: list[Source]) -> list[str]:
    """The component names of `sources`, for the message about one that does not exist."""
    return sorted({s.component for s in sources})
