"""Prometheus rule files as data: the shape every rendered rule file of monitoring/generated/<env>/rules/ shares.

An alert always carries what the checks (monitoring/checks) demand of every alert, hand-written or
rendered: a `severity` label and the annotations `summary`, `description` and `runbook_url`.
"""

from __future__ import annotations

# Where each alert's runbook section lives: docs/runbooks/alerts-<area>.md, one heading per alert
# (its GitHub anchor is the alert name in lower case). The URL is a path relative to the
# repository's root (docs/runbooks/README.md says why).
RUNBOOKS = "docs/runbooks"

SEVERITIES = ("critical", "warning", "info")


def runbook_url(area: str, alert_name: str) -> str:
    return f"{RUNBOOKS}/alerts-{area}.md#{alert_name.lower()}"


def record(name: str, expr: str, labels: dict[str, str] | None = None) -> dict[str, object]:
    rule: dict[str, object] = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = labels
    return rule


def alert(name: str, expr: str, *, for_: str, severity: str, summary: str, description: str, area: str,
          labels: dict[str, str] | None = None) -> dict[str, object]:
    if severity not in SEVERITIES:
        raise ValueError(f"alert {name}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity, **(labels or {})},
        "annotations": {"summary": summary, "description": description, "runbook_url": runbook_url(area, name)},
    }


def rule_file(*groups: tuple[str, list[dict[str, object]]]) -> dict[str, object]:
    """A rule file from (group name, rules); a group without rules is left out."""
    return {"groups": [{"name": name, "rules": rules} for name, rules in groups if rules]}
