"""Parsers of the components that write text lines: one regular expression per format.

A line that matches starts a record; one that does not (a traceback, initdb's output, an indented
continuation) belongs to the record before it. Examples, as the local platform writes them:

    Patroni         2026-11-29 21:45:27,238 INFO: Lock owner: None; I am db1
    PostgreSQL      2026-11-29 21:45:28.477 UTC [11500] LOG:  starting PostgreSQL 15.18 ...
    pgBackRest      2026-11-29 21:45:35.307 P00   INFO: stanza-create for stanza ...
    pgBackRest (archive-push, on PostgreSQL's stderr)   ERROR: [103]: unable to find a valid repository:
    Redis           12049:M 29 Nov 2026 21:45:41.785 * Ready to accept connections
    supervisord     2026-11-29 21:45:10,262 INFO spawned: 'etcd-db1' with pid 11043
    nginx (errors)  2026/11/29 21:45:42 [warn] 123#123: *1 an upstream response is buffered
    Go's log        2026/11/29 21:45:42 Listening on 127.0.4.1:9113
    logfmt          ts=2026-11-29T21:45:41.159Z caller=main.go:551 level=info msg="Starting Prometheus"
    moto (werkzeug) 127.0.0.1 - - [29/Nov/2026 21:44:21] "GET / HTTP/1.1" 200 -
    qvctl           2026-11-29T21:45:48Z scheduling backups of local: ...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from qvctl.logs import times
from qvctl.logs.record import Level, Start, level_of, level_of_status


def _layout(layout: str) -> Callable[[str], datetime | None]:
    return lambda text: times.strptime(text, layout)


# Redis marks its levels with one character: . debug, - verbose, * notice, # warning.
_REDIS_LEVELS = {".": Level.debug, "-": Level.debug, "*": Level.info, "#": Level.warning}


@dataclass(frozen=True)
class TextFormat:
    """`pattern` has a `time` group (absent: the record inherits the time before it) and a `level`
    or `status` group (absent: info)."""

    name: str
    pattern: re.Pattern[str]
    parse_time: Callable[[str], datetime | None] = times.iso

    def start(self, line: str) -> Start | None:
        found = self.pattern.search(line)
        if found is None:
            return None
        groups = found.groupdict()
        moment = None
        if groups.get("time") is not None:
            moment = self.parse_time(groups["time"])
            if moment is None:
                return None
        if groups.get("redis") is not None:
            level: Level | None = _REDIS_LEVELS[groups["redis"]]
        elif groups.get("status") is not None:
            level = level_of_status(groups["status"])
        else:
            level = level_of(groups.get("level")) or Level.info
        return Start(moment, level)


PATRONI = TextFormat("patroni", re.compile(r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<level>[A-Z]+): "),
                     _layout("%Y-%m-%d %H:%M:%S,%f"))
# log_line_prefix '%m [%p] %q%u@%d '. DETAIL, HINT, CONTEXT and STATEMENT lines are not matched:
# they stay with the message they explain.
POSTGRES = TextFormat(
    "postgresql stderr",
    re.compile(r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+) \[\d+\] (?:\S+@\S+ )?"
               r"(?P<level>DEBUG[1-5]|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC):  "),
    times.postgres)
PGBACKREST = TextFormat(
    "pgbackrest",
    re.compile(r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) P\d+ +(?P<level>[A-Z]+): "),
    _layout("%Y-%m-%d %H:%M:%S.%f"))
# What pgBackRest's archive-push and archive-get print on PostgreSQL's stderr: no time of its own.
PGBACKREST_CONSOLE = TextFormat("pgbackrest console",
                                re.compile(r"^(?P<level>ERROR|WARN|INFO|DETAIL): \[\d+\]: "))
REDIS = TextFormat(
    "redis",
    re.compile(r"^\d+:[XCSM] (?P<time>\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3}) (?P<redis>[.\-*#]) "),
    _layout("%d %b %Y %H:%M:%S.%f"))
SUPERVISORD = TextFormat(
    "supervisord",
    re.compile(r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<level>CRIT|ERRO|WARN|INFO|DEBG|TRAC|BLAT) "),
    _layout("%Y-%m-%d %H:%M:%S,%f"))
NGINX_ERROR = TextFormat(
    "nginx error",
    re.compile(r"^(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>[a-z]+)\] "),
    _layout("%Y/%m/%d %H:%M:%S"))
GO_LOG = TextFormat("go log", re.compile(r"^(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) "), _layout("%Y/%m/%d %H:%M:%S"))
WERKZEUG = TextFormat(
    "werkzeug",
    re.compile(r'^\S+ - - \[(?P<time>\d\d/[A-Z][a-z]{2}/\d{4} \d\d:\d\d:\d\d)\] "(?:[^"\\]|\\.)*" (?P<status>\d{3}) '),
    _layout("%d/%b/%Y %H:%M:%S"))
ISO_PREFIX = TextFormat(
    "iso prefix",
    re.compile(r"^(?P<time>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s"),
    lambda text: times.iso(text.replace(",", ".")))


_LOGFMT_TIME = re.compile(r'(?:^|\s)(?:ts|t|time)="?(?P<time>\d{4}-\d\d-\d\dT[^"\s]+)"?(?=\s|$)')
_LOGFMT_LEVEL = re.compile(r'(?:^|\s)(?:level|lvl)="?(?P<level>\w+)')


@dataclass(frozen=True)
class Logfmt:
    """key=value lines: go-kit's (Prometheus, Alertmanager, the exporters: ts=), logrus' (the Redis
    exporter: time="..."), Grafana's (t=); the keys come in any order."""

    name: str = "logfmt"

    def start(self, line: str) -> Start | None:
        found = _LOGFMT_TIME.search(line)
        moment = times.iso(found["time"]) if found else None
        if moment is None:
            return None
        level = _LOGFMT_LEVEL.search(line)
        return Start(moment, (level_of(level["level"]) if level else None) or Level.info)


LOGFMT = Logfmt()


@dataclass(frozen=True)
class EveryLine:
    """A format qvctl does not know: each line is a record, timed if it starts with ISO 8601."""

    name: str = "one record per line"

    def start(self, line: str) -> Start:
        return ISO_PREFIX.start(line) or Start(None, None)


EVERY_LINE = EveryLine()
