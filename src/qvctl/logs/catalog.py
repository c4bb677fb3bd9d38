"""Which formats a component's file holds, tried in order on each line.

A file can mix formats: nginx writes JSON access lines on stdout and its error log on stderr
into the same file; Patroni's file also has PostgreSQL's lines from before its logging collector
starts, and pgBackRest's archive errors. A component not listed here is read one record per line: a
leading ISO 8601 time if it has one, otherwise the time of the line before.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Protocol

from qvctl.logs import json_formats as j
from qvctl.logs import text_formats as t
from qvctl.logs.record import Start


class Format(Protocol):
    @property
    def name(self) -> str: ...

    def start(self, line: str) -> Start | None: ...


_BY_COMPONENT: dict[str, tuple[Format, ...]] = {
    "api": (j.API,),
    "nginx": (j.NGINX_ACCESS, t.NGINX_ERROR),
    "etcd": (j.ETCD,),
    "patroni": (t.PATRONI, t.POSTGRES, t.PGBACKREST_CONSOLE),
    "pgbackrest": (t.PGBACKREST,),
    "redis": (t.REDIS,),
    "prometheus": (t.LOGFMT,),
    "alertmanager": (t.LOGFMT,),
    "grafana": (t.LOGFMT,),
    "redis-exporter": (t.LOGFMT,),
    "postgres-exporter": (t.LOGFMT,),
    "node-exporter": (t.LOGFMT,),
    "blackbox-exporter": (t.LOGFMT,),
    "nginx-exporter": (t.GO_LOG,),
    "emulator": (t.WERKZEUG,),
    "supervisord": (t.SUPERVISORD,),
    "backup-scheduler": (t.ISO_PREFIX,),
}
# PostgreSQL's logging collector: jsonlog in *.json; *.log holds what its children print
# themselves (pgBackRest's archive-push errors) and anything logged before the collector ran.
POSTGRES_JSON: tuple[Format, ...] = (j.POSTGRES,)
POSTGRES_STDERR: tuple[Format, ...] = (t.POSTGRES, t.PGBACKREST_CONSOLE)
FALLBACK: tuple[Format, ...] = (t.EVERY_LINE,)


def formats_of(component: str, file: PurePath | None = None) -> tuple[Format, ...]:
    if component == "postgresql":
        return POSTGRES_JSON if file is not None and file.suffix == ".json" else POSTGRES_STDERR
    return _BY_COMPONENT.get(component, FALLBACK)
