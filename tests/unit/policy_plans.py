"""Small plans for the policy tests: a few resources written inline, judged by one policy.

A resource is `terraform show -json`'s resource change reduced to what the policies read:
address, type, the planned values (`after`) and what only apply will know (`after_unknown`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qvctl.policies.plan import Plan
from qvctl.policies.violation import Verdicts

PLAN_FILE = "plan.json"
Policy = Callable[[Plan, Verdicts], None]


def change(address: str, after: dict[str, Any], unknown: dict[str, Any] | None = None) -> dict[str, Any]:
    """The resource change of a managed resource being created; its type is the address's first part."""
    return {
        "address": address,
        "mode": "managed",
        "type": address.split(".")[0],
        "change": {"actions": ["create"], "after": after, "after_unknown": unknown or {}},
    }


def plan(*changes: dict[str, Any]) -> Plan:
    return Plan.from_document({"resource_changes": list(changes)}, PLAN_FILE)


def judge(policy: Policy, *changes: dict[str, Any]) -> Verdicts:
    verdicts = Verdicts(PLAN_FILE)
    policy(plan(*changes), verdicts)
    return verdicts


def lines(verdicts: Verdicts) -> list[str]:
    return [str(v) for v in verdicts.violations]


def line(resource: str, rule: str, message: str) -> str:
    """A report line as `qvctl validate` prints it: file, resource, rule and message."""
    return f"{PLAN_FILE}: {resource}: [{rule}] {message}"
