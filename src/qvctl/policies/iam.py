"""IAM policy documents as plans hold them (JSON strings), read into lists of statements."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from qvctl.policies.plan import Plan, Resource


def statements(document: object) -> list[Mapping[str, Any]]:
    """The statements of a policy document given as JSON text or already parsed."""
    parsed = json.loads(document) if isinstance(document, str) and document else document
    if not isinstance(parsed, Mapping):
        return []
    found = parsed.get("Statement") or []
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, Mapping)]


def as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def inline_policies(plan: Plan, role: Resource) -> list[tuple[str, object]]:
    """(where, document) of every inline policy of a role: its own `inline_policy` blocks and aws_iam_role_policy."""
    found: list[tuple[str, object]] = []
    for index, block in enumerate(role.get("inline_policy") or []):
        if block.get("policy"):
            found.append((f"{role.address} inline_policy[{index}]", block["policy"]))
    for policy in plan.matching(["aws_iam_role_policy"], "role", [role.get("name"), role.get("id")]):
        found.append((policy.address, policy.get("policy")))
    return found
