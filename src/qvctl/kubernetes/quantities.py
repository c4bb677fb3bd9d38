"""Kubernetes resource quantities, just enough arithmetic to size a ResourceQuota from the spec."""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def cpu_millicores(value: str) -> int:
    if value.endswith("m"):
        return int(value[:-1])
    return int(Fraction(value) * 1000)


def format_cpu(millicores: int) -> str:
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def memory_bytes(value: str) -> int:
    match = re.fullmatch(r"([0-9]+)(Ki|Mi|Gi|Ti)?", value)
    if match is None:
        raise ValueError(f"unsupported memory quantity {value!r}")
    return int(match.group(1)) * _BINARY[match.group(2) or ""]


def format_memory(size: int) -> str:
    for suffix in ("Ti", "Gi", "Mi", "Ki"):
        if size % _BINARY[suffix] == 0:
            return f"{size // _BINARY[suffix]}{suffix}"
    return str(size)
