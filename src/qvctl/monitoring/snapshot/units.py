"""Values written in a panel's unit, as Grafana writes them (the unit ids the dashboards use)."""

from __future__ import annotations

import math
from collections.abc import Sequence

_IEC = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_SI = ("", "k", "M", "G", "T", "P")
# seconds -> the largest unit it fills
_TIME = ((86400 * 365, "y"), (86400, "d"), (3600, "h"), (60, "min"), (1, "s"), (1e-3, "ms"), (1e-6, "µs"),
         (1e-9, "ns"))


def _number(value: float, digits: int, decimals: int | None) -> str:
    """`decimals` after the point if given, else `digits` significant digits; never an exponent."""
    if decimals is not None:
        return f"{value:.{decimals}f}"
    if value == 0:
        return "0"
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(value: float, base: float, prefixes: tuple[str, ...]) -> tuple[float, str]:
    index = 0
    while abs(value) >= base and index < len(prefixes) - 1:
        value /= base
        index += 1
    return value, prefixes[index]


def _seconds(value: float, digits: int, decimals: int | None) -> str:
    for size, name in _TIME:
        if abs(value) >= size:
            return f"{_number(value / size, digits, decimals)} {name}"
    return "0 s" if value == 0 else f"{_number(value / 1e-9, digits, decimals)} ns"


def format_value(value: float, unit: str, digits: int = 3, decimals: int | None = None) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if unit == "percentunit":
        return f"{_number(value * 100, digits, decimals)} %"
    if unit == "percent":
        return f"{_number(value, digits, decimals)} %"
    if unit == "s":
        return _seconds(value, digits, decimals)
    if unit in ("bytes", "Bps"):
        scaled, prefix = _scaled(value, 1024, _IEC)
        return f"{_number(scaled, digits, decimals)} {prefix}" + ("/s" if unit == "Bps" else "")
    suffix = {"reqps": " req/s", "ops": " ops/s"}.get(unit, "")
    scaled, prefix = _scaled(value, 1000, _SI)
    return f"{_number(scaled, digits, decimals)}{' ' + prefix if prefix else ''}{suffix}"


def format_ticks(values: Sequence[float], unit: str) -> list[str]:
    """Labels for an axis: as few digits as keep neighbouring ticks apart (99.9 % and 99.95 %)."""
    labels = [format_value(v, unit) for v in values]
    for digits in range(4, 8):
        if len(set(labels)) == len(labels):
            break
        labels = [format_value(v, unit, digits) for v in values]
    return labels
