"""`qvctl up`'s review gate: a cloud environment's plan is shown and approved before its apply step;
the local platform runs its steps exactly as before, with no gate. The steps themselves are replaced
by a recorder (what each one does is tested on its own and end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from qvctl.context import Context, QvError
from qvctl.platform import up
from qvctl.platform.approval import Approval
from qvctl.platform.steps import Step, StepRunner
from qvctl.platform.terraform import ApplySummary
from qvctl.spec import require_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """What bring_up does, in order: 'steps:<first>..<last>' per run_all call, 'review' for the gate."""
    events: list[str] = []

    def run_all(self: StepRunner, steps: list[Step[up.UpRun]], run: up.UpRun) -> list[object]:
        events.append(f"steps:{steps[0].name}..{steps[-1].name}")
        run.plan = ApplySummary(add=1, seen=True)  # Terraform found a change to apply
        return []

    monkeypatch.setattr(StepRunner, "run_all", run_all)
    monkeypatch.setattr(up, "review", lambda *args: events.append("review"))
    monkeypatch.setenv("QV_STATE_DIR", str(tmp_path))
    return events


def _ctx() -> Context:
    return Context.discover(cwd=ROOT)


def test_the_gate_sits_right_before_terraform_apply() -> None:
    assert up.STEPS[up.REVIEW_BEFORE].action is up.terraform_apply
    assert up.STEPS[up.REVIEW_BEFORE - 1].action is up.terraform_plan


def test_a_cloud_environment_is_reviewed_between_plan_and_apply(recorded: list[str]) -> None:
    ctx = _ctx()
    up.bring_up(ctx, require_environment(ctx, "dev"), Console(), approval=Approval(yes=True, interactive=False))
    first, last = up.STEPS[0].name, up.STEPS[-1].name
    plan, apply = up.STEPS[up.REVIEW_BEFORE - 1].name, up.STEPS[up.REVIEW_BEFORE].name
    assert recorded == [f"steps:{first}..{plan}", "review", f"steps:{apply}..{last}"]


def test_a_cloud_environment_without_an_approval_is_refused(recorded: list[str]) -> None:
    ctx = _ctx()
    with pytest.raises(QvError, match="its plan must be approved"):
        up.bring_up(ctx, require_environment(ctx, "dev"), Console())
    assert recorded == []


def test_the_local_platform_runs_every_step_at_once_with_no_gate(recorded: list[str]) -> None:
    ctx = _ctx()
    up.bring_up(ctx, require_environment(ctx, "local"), Console())
    assert recorded == [f"steps:{up.STEPS[0].name}..{up.STEPS[-1].name}"]
