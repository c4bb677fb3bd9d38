"""The review gate before Terraform changes a cloud environment: show the plan, then ask.

`qvctl apply ENV` and `qvctl up dev|staging|prod` both pass through here. `--yes` is the approval
of automation (a CI job behind its own required reviewers); without it qvctl asks on the terminal,
and with no terminal to ask on it refuses rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.prompt import Confirm

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.plan_summary import PlanSummary, show, summarize
from qvctl.platform.terraform import Terraform


def _ask_on_terminal(question: str) -> bool:
    return Confirm.ask(question, default=False)


@dataclass(frozen=True)
class Approval:
    yes: bool  # --yes: approved beforehand
    interactive: bool  # stdin is a terminal a person can answer on
    ask: Callable[[str], bool] = _ask_on_terminal

    def confirm(self, env: str, summary: PlanSummary, console: Console) -> None:
        if summary.no_changes:
            return
        if self.yes:
            console.print(f"--yes: applying to {env} without asking", highlight=False, markup=False)
            return
        if not self.interactive:
            raise QvError(
                f"refusing to apply to {env} unreviewed: no terminal to ask on; pass --yes to apply the plan shown",
                ExitStatus.INVALID_INPUT,
            )
        if not self.ask(f"Apply these changes to {env}?"):
            raise QvError(f"not applied: {env} is unchanged", ExitStatus.FAILED)


def review(terraform: Terraform, plan_file: Path, env: str, console: Console, approval: Approval) -> PlanSummary:
    """Summarize the saved plan from the file itself (what apply will do), show it, and ask."""
    summary = summarize(terraform.show_plan(plan_file))
    show(summary, env, console)
    approval.confirm(env, summary, console)
    return summary
