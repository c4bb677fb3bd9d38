"""Every policy over its subject: a plan's JSON, the rendered manifests, the hosts' configuration."""

from __future__ import annotations

from pathlib import Path

from qvctl.policies import (
    encryption_at_rest,
    encryption_in_transit,
    least_privilege,
    network_rules,
    secrets,
    segmentation,
)
from qvctl.policies.manifests import documents
from qvctl.policies.plan import Plan
from qvctl.policies.violation import Verdicts

PLAN_POLICIES = (
    segmentation.check,
    least_privilege.check,
    encryption_at_rest.check,
    encryption_in_transit.check_plan,
    network_rules.check,
)


def plan_verdicts(plan: Plan) -> Verdicts:
    verdicts = Verdicts(plan.file)
    for policy in PLAN_POLICIES:
        policy(plan, verdicts)
    return verdicts


def manifest_verdicts(root: Path, files: list[Path] | None = None) -> list[Verdicts]:
    by_file: dict[str, Verdicts] = {}
    for file, document in documents(root, files):
        verdicts = by_file.setdefault(file, Verdicts(file))
        encryption_in_transit.check_ingress(document, verdicts)
        secrets.check_manifest(document, verdicts)
    return list(by_file.values())


def host_verdicts(root: Path) -> list[Verdicts]:
    return [encryption_in_transit.check_pg_hba(root)]
