"""Drift as Terraform sees it: the `resource_drift` of a refresh-only plan (`terraform show -json`).

Each entry is a resource whose real object no longer matches the state: `before` is the state,
`after` what the provider read now. What differs is named by attribute path (`tags.team`), with
the two values when they are short and not marked sensitive; a sensitive value is never shown.

Only attributes the configuration sets count (the resource's expressions in the plan's own
`configuration`, plus `tags_all`, which the providers' default_tags set). The rest of
resource_drift is what the provider fills in by itself: a security group's rules, a role's
policies, a bucket's policy and encryption, each managed by a resource of its own and read into
the state only at the next refresh. A freshly applied dev topology has such differences on 137
resources; they are no drift from the code, and reporting them would bury the one that is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from qvctl.drift.findings import Finding

SHOWN_VALUE_LENGTH = 60
SHOWN_PATHS = 8


def _sensitive(mask: Any, path: tuple[str | int, ...]) -> bool:
    """Terraform's *_sensitive mirrors the value: `true` at (or above) a sensitive part."""
    for step in path:
        if mask is True:
            return True
        if isinstance(mask, Mapping) and isinstance(step, str):
            mask = mask.get(step, False)
        elif isinstance(mask, list) and isinstance(step, int) and step < len(mask):
            mask = mask[step]
        else:
            return False
    return mask is True


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def _path_text(path: tuple[str | int, ...]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def differences(
    before: Any, after: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], Any, Any]]:
    """The leaves where two values differ: (path, before, after); maps and equal-length lists are walked.

    Nothing and an empty list or map are the same: the provider's read of an unset collection
    gives either, and neither sets anything on the resource.
    """
    if before == after or (_empty(before) and _empty(after)):
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found = []
        for key in sorted(set(before) | set(after)):
            found.extend(differences(before.get(key), after.get(key), (*path, str(key))))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found.extend(differences(old, new, (*path, index)))
        return found
    return [(path, before, after)]


# Set by the providers' default_tags, never by a resource's own expression.
ALWAYS_CONFIGURED = frozenset({"tags_all"})


def configured_attributes(plan: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Each managed resource of the configuration (module path without instance keys, e.g.
    `module.storage.module.bucket.aws_s3_bucket.this`) and the attributes its block sets."""
    found: dict[str, frozenset[str]] = {}

    def walk(module: Mapping[str, Any], prefix: str) -> None:
        for resource in module.get("resources") or []:
            if resource.get("mode") == "managed":
                found[prefix + str(resource["address"])] = frozenset(resource.get("expressions") or {})
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{prefix}module.{name}.")

    walk((plan.get("configuration") or {}).get("root_module") or {}, "")
    return found


def _config_address(entry: Mapping[str, Any]) -> str:
    module = re.sub(r"\[[^\]]*\]", "", str(entry.get("module_address") or ""))
    return f"{module}.{entry['type']}.{entry['name']}" if module else f"{entry['type']}.{entry['name']}"


def describe(change: Mapping[str, Any], configured: frozenset[str] | None = None) -> tuple[str, tuple[str, ...]] | None:
    """What differs, in one line, and the attribute paths; None when only attributes outside `configured` differ."""
    actions = change.get("actions") or []
    if actions == ["delete"]:
        return "deleted outside Terraform", ()
    masks = (change.get("before_sensitive"), change.get("after_sensitive"))
    parts, paths = [], []
    for path, old, new in differences(change.get("before"), change.get("after")):
        if configured is not None and path and path[0] not in configured | ALWAYS_CONFIGURED:
            continue
        name = _path_text(path) or "(the whole object)"
        paths.append(name)
        if any(_sensitive(mask, path) for mask in masks):
            parts.append(f"{name} (sensitive)")
        else:
            parts.append(f"{name}: {_shown(old)} → {_shown(new)}")
    if not parts:
        return None if configured is not None else ("changed outside Terraform", ())
    more = len(parts) - SHOWN_PATHS
    return "; ".join(parts[:SHOWN_PATHS]) + (f"; and {more} more" if more > 0 else ""), tuple(paths)


def findings(plan: Mapping[str, Any]) -> list[Finding]:
    """Every resource of a refresh-only plan document whose configured attributes drifted, by address."""
    configured = configured_attributes(plan)
    drifted = []
    for entry in plan.get("resource_drift") or []:
        if entry.get("mode", "managed") != "managed":
            continue
        described = describe(entry.get("change") or {}, configured.get(_config_address(entry), frozenset()))
        if described is not None:
            drifted.append(Finding("terraform", str(entry["address"]), *described))
    return sorted(drifted, key=lambda f: f.subject)
