"""The policies as `qvctl validate` checks: each returns one line per problem, empty when all hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qvctl.context import Context
from qvctl.policies.plan import Plan, PlanError
from qvctl.policies.run import host_verdicts, manifest_verdicts, plan_verdicts
from qvctl.policies.secrets import scan_repository


def manifests_and_hosts(ctx: Context) -> list[str]:
    """Ingress HTTPS and no secrets in kubernetes/<env>/*.yaml; hostssl-only pg_hba in the Patroni template."""
    verdicts = [*manifest_verdicts(ctx.root), *host_verdicts(ctx.root)]
    return [str(v) for report in verdicts for v in report.violations]


def secrets_scan(ctx: Context) -> list[str]:
    return [str(v) for v in scan_repository(ctx.root).violations]


def terraform_plans(plans: list[Path]) -> Callable[[Context], list[str]]:
    """The plan policies over each `terraform show -json` file; an undecided rule fails too, never passes."""

    def check(ctx: Context) -> list[str]:
        problems: list[str] = []
        for path in plans:
            try:
                verdicts = plan_verdicts(Plan.load(path))
            except PlanError as err:
                problems.append(str(err))
                continue
            problems += [str(v) for v in verdicts.violations]
            if verdicts.undecided:
                problems.append(
                    f"{path}: {len(verdicts.undecided)} judgements undecided (values known only after "
                    "apply); plan against the applied environment to decide them, e.g.:"
                )
                problems += [f"  {v}" for v in verdicts.undecided[:5]]
        return problems

    return check
