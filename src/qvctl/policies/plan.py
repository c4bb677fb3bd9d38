"""A Terraform plan (`terraform show -json PLANFILE`) as the resources it leaves behind.

Each managed resource that is not being deleted is read from its planned change: `after`
holds the known values, `after_unknown` marks what only apply will know. A plan of an
applied environment knows (nearly) everything; a first plan knows little that references
other resources, so rules on it come out undecided rather than passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qvctl.policies.violation import Unknown


def has_unknown(mark: object) -> bool:
    """Whether a plan's `after_unknown` marks anything in this value as known only after apply."""
    if isinstance(mark, Mapping):
        return any(has_unknown(v) for v in mark.values())
    if isinstance(mark, list):
        return any(has_unknown(v) for v in mark)
    return mark is True


@dataclass(frozen=True)
class Resource:
    address: str
    type: str
    values: Mapping[str, Any]
    unknown: Mapping[str, Any]

    def _walk(self, path: tuple[str | int, ...]) -> tuple[Any, Any]:
        """(value, unknown mark) at path; Unknown when a part on the way is known only after apply."""
        value: Any = self.values
        mark: Any = self.unknown
        for key in path:
            if mark is True:
                raise Unknown(".".join(map(str, path)))
            if isinstance(key, int):
                value = value[key] if isinstance(value, list) and key < len(value) else None
                mark = mark[key] if isinstance(mark, list) and key < len(mark) else False
            else:
                value = value.get(key) if isinstance(value, Mapping) else None
                mark = mark.get(key, False) if isinstance(mark, Mapping) else False
        return value, mark

    def get(self, *path: str | int) -> Any:
        """The value at path (None when absent); Unknown when any part of it is known only after apply."""
        value, mark = self._walk(path)
        if has_unknown(mark):
            raise Unknown(".".join(map(str, path)))
        return value

    def length(self, *path: str | int) -> int:
        """How many items the list at path has, even when some of their fields are known only after apply."""
        value, mark = self._walk(path)
        if mark is True:
            raise Unknown(".".join(map(str, path)))
        return len(value) if isinstance(value, list) else 0

    def tag(self, name: str) -> Any:
        tags = self.values.get("tags_all") or self.values.get("tags") or {}
        return tags.get(name) if isinstance(tags, Mapping) else None


class PlanError(Exception):
    """The file is not the JSON of a saved plan."""


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PlanError(f"{path}: not readable as JSON ({err})") from None


@dataclass(frozen=True)
class Plan:
    file: str
    resources: tuple[Resource, ...]

    @classmethod
    def load(cls, path: Path, shown_as: str | None = None) -> Plan:
        document = _read_json(path)
        if not isinstance(document, dict) or "resource_changes" not in document:
            raise PlanError(f"{path}: no resource_changes; give `terraform show -json` of a saved plan")
        return cls.from_document(document, shown_as or str(path))

    @classmethod
    def from_document(cls, document: Mapping[str, Any], file: str) -> Plan:
        resources = []
        for change in document.get("resource_changes") or []:
            body = change.get("change", {})
            if change.get("mode") != "managed" or body.get("actions") == ["delete"]:
                continue
            resources.append(
                Resource(change["address"], change["type"], body.get("after") or {}, body.get("after_unknown") or {})
            )
        return cls(file, tuple(resources))

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def matching(self, types: Iterable[str], attribute: str, wanted: Iterable[object]) -> list[Resource]:
        """Resources of these types whose attribute is one of wanted (Unknown if an attribute is unknown)."""
        targets = {w for w in wanted if w is not None}
        return [r for r in self.of_type(*types) if r.get(attribute) in targets]
