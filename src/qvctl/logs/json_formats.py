"""Parsers of the components that write one JSON object per line; they differ only in their keys.

    API         {"ts": ..., "level": "info", "logger": ..., "message": ..., "request_id": ...}
    etcd (zap)  {"level": "info", "ts": "...Z", "caller": ..., "msg": ...}
    nginx       {"time": ..., "request_id": ..., "method": ..., "uri": ..., "status": 200, ...}
    PostgreSQL  {"timestamp": "2026-11-29 21:45:28.477 UTC", "error_severity": "LOG", ...}  (jsonlog)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from qvctl.logs import times
from qvctl.logs.record import Level, Start, level_of, level_of_status


@dataclass(frozen=True)
class JsonFormat:
    name: str
    time_key: str
    level_key: str | None = None  # None: the level comes from status_key, else it is info
    status_key: str | None = None  # access lines: the HTTP status gives the level
    request_id_key: str | None = None
    parse_time: Callable[[str], datetime | None] = times.iso

    def start(self, line: str) -> Start | None:
        if not line.startswith("{"):
            return None
        try:
            fields = json.loads(line)
        except ValueError:
            return None
        if not isinstance(fields, dict) or not isinstance(fields.get(self.time_key), str):
            return None
        moment = self.parse_time(fields[self.time_key])
        if moment is None:
            return None
        if self.level_key is not None:
            level = level_of(str(fields.get(self.level_key) or "")) or Level.info
        elif self.status_key is not None:
            level = level_of_status(fields.get(self.status_key))
        else:
            level = Level.info
        request_id = fields.get(self.request_id_key) if self.request_id_key else None
        return Start(moment, level, request_id if isinstance(request_id, str) and request_id else None, fields)


API = JsonFormat("api", time_key="ts", level_key="level", request_id_key="request_id")
ETCD = JsonFormat("etcd", time_key="ts", level_key="level")
NGINX_ACCESS = JsonFormat("nginx access", time_key="time", status_key="status", request_id_key="request_id")
POSTGRES = JsonFormat("postgresql jsonlog", time_key="timestamp", level_key="error_severity",
                      parse_time=times.postgres)
