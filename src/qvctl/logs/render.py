"""How records are printed: every line prefixed by host/component, or one JSON object per record."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from qvctl.logs.record import Record


class LogOutput(StrEnum):
    text = "text"
    json = "json"


def as_text(record: Record, width: int) -> str:
    """The lines as the component wrote them; continuation lines carry the prefix too, so a
    `grep` on the output keeps a traceback with its component."""
    return "\n".join(f"{record.label:<{width}}  {line}" for line in record.lines)


def as_json(record: Record) -> str:
    host, _, component = record.label.partition("/")
    line: dict[str, Any] = {
        "time": record.time.isoformat(timespec="milliseconds") if record.time else None,
        "host": host,
        "component": component,
        "level": record.level.name if record.level is not None else None,
        "request_id": record.request_id,
        "text": record.text,
    }
    if record.fields is not None:
        line["fields"] = record.fields
    return json.dumps(line, default=str)


def render(record: Record, output: LogOutput, width: int) -> str:
    return as_json(record) if output is LogOutput.json else as_text(record, width)
