"""What a changed Ansible task result would change, in one line, from the module's own `diff`.

Under `--check --diff` a module reports `changed` plus a diff: for a file's content a list of
{before_header, after_header, before, after} texts (copy, template, lineinfile), for its
attributes a {before: {...}, after: {...}} pair of maps (file: mode, owner, state). Content is
never shown, only the file and how many lines differ: a configuration file holds passwords.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

SHOWN_VALUE_LENGTH = 40


def _lines_changed(before: str, after: str) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("+ "):
            added += 1
        elif line.startswith("- "):
            removed += 1
    return added, removed


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def _one(diff: Mapping[str, Any]) -> str | None:
    before, after = diff.get("before"), diff.get("after")
    header = diff.get("before_header") or diff.get("after_header")
    if isinstance(before, str) or isinstance(after, str):
        added, removed = _lines_changed(str(before or ""), str(after or ""))
        if not added and not removed:
            return None
        # `-` lines are on the host now, `+` lines what Ansible would write.
        return f"{header or 'content'}: content differs (-{removed} +{added} lines)"
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        where = after.get("path") or before.get("path") or header or ""
        keys = sorted(k for k in set(before) | set(after) if k != "path" and before.get(k) != after.get(k))
        if not keys:
            return None
        changes = ", ".join(f"{k} {_short(before.get(k))} → {_short(after.get(k))}" for k in keys)
        return f"{where}: {changes}" if where else changes
    if diff.get("prepared"):
        return _short(str(diff["prepared"]).strip().splitlines()[0])
    return None


def describe_result(result: Mapping[str, Any]) -> list[str]:
    """One line per change a changed result reports (each loop item of its own); empty when unchanged."""
    if not result.get("changed"):
        return []
    items = result.get("results")
    if isinstance(items, list) and items:
        lines = [line for item in items if isinstance(item, Mapping) for line in describe_result(item)]
        # A loop that changed although no item says so (a module without per-item flags) still counts.
        return lines or ["would change (the module shows no diff)"]
    if result.get("censored"):
        return ["would change (no_log: details hidden)"]
    diffs = result.get("diff")
    entries = diffs if isinstance(diffs, list) else [diffs] if isinstance(diffs, Mapping) else []
    lines = [line for entry in entries if isinstance(entry, Mapping) for line in [_one(entry)] if line]
    return lines or ["would change (the module shows no diff)"]
