"""Grafana's variables in a panel's query, replaced as Grafana would before it asks Prometheus.

Built-ins follow Grafana's definitions for a query step and a time range: `$__interval` is the
step, `$__rate_interval` is max(step + scrape interval, 4 x scrape interval) (a rate() window
that always holds at least four samples), `$__range` the whole range. A dashboard's own
variables take their current (default) value. A variable nobody defines is an error, never
left in the query for Prometheus to reject.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION = re.compile(r"(\d+)(ms|[smhdwy])")
# $name, ${name}, ${name:format} and the old [[name]]; the longest name wins ($__range_s, not $__range).
# A name starts with a letter or _: "$1" is label_replace's capture group, not a variable.
_REFERENCE = re.compile(r"\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]")


class UnknownVariable(ValueError):
    def __init__(self, names: list[str]) -> None:
        super().__init__("no value for " + ", ".join(f"${n}" for n in names))
        self.names = names


def parse_duration(text: str) -> int:
    """Seconds in a Prometheus duration ("15s", "1h", "1h30m"); ValueError if it is none."""
    parts = _DURATION.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"{text!r} is not a duration like 15s, 5m, 1h or 1h30m")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 1:
        raise ValueError(f"{text!r} is shorter than a second")
    return int(seconds)


def format_duration(seconds: int) -> str:
    """The shortest exact Prometheus duration: 60 -> "1m", 75 -> "75s", 5400 -> "90m"."""
    for unit in ("d", "h", "m"):
        size = int(_UNITS[unit])
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def builtins(range_seconds: int, step_seconds: int, scrape_seconds: int) -> dict[str, str]:
    rate = max(step_seconds + scrape_seconds, 4 * scrape_seconds)
    return {
        "__interval": format_duration(step_seconds),
        "__interval_ms": str(step_seconds * 1000),
        "__rate_interval": format_duration(rate),
        "__range": format_duration(range_seconds),
        "__range_s": str(range_seconds),
        "__range_ms": str(range_seconds * 1000),
    }


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """`expr` with every variable replaced by its value; UnknownVariable names those without one."""
    unknown: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group is not None)
        if name not in values:
            unknown.append(name)
            return match.group()
        return values[name]

    replaced = _REFERENCE.sub(value, expr)
    if unknown:
        raise UnknownVariable(sorted(set(unknown)))
    return replaced
