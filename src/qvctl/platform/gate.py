"""`qvctl plan ENV` and `qvctl apply ENV`: a reviewed change to a cloud environment, in two commands.

`plan` runs `qvctl up`'s own steps up to the plan (its files, the environment CA Terraform
publishes, terraform init, terraform plan -out) and records the summary and the inputs beside
the saved plan. `apply` refuses a plan whose inputs changed since, shows what the plan file
itself would do, asks (qvctl.platform.approval), and applies exactly that file; Terraform
refuses it when the state changed since ("Saved plan is stale").
"""

from __future__ import annotations

import functools
from pathlib import Path

from rich.console import Console

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.approval import Approval, review
from qvctl.platform.paths import EnvPaths
from qvctl.platform.plan_summary import PlanSummary, show, summarize
from qvctl.platform.saved_plan import SavedPlan, refuse_if_stale
from qvctl.platform.steps import Step, StepRunner
from qvctl.platform.up import (
    STEPS,
    UpRun,
    check_files,
    environment_ca,
    new_run,
    terraform_apply,
    terraform_init,
    terraform_plan,
)
from qvctl.spec import Environment


def default_plan_file(paths: EnvPaths) -> Path:
    return paths.state / "plans" / f"{paths.env}.tfplan"


def _cloud_only(spec: Environment, command: str) -> None:
    if spec.kind == "local":
        raise QvError(
            f"{command} is for cloud environments; the local platform plans and applies in qvctl up "
            "(its emulator is all it changes)",
            ExitStatus.INVALID_INPUT,
        )


def _steps(*actions: object) -> list[Step[UpRun]]:
    """`qvctl up`'s own steps (same names, same code), in its order."""
    return [step for step in STEPS if step.action in actions]


def _run_steps(console: Console, run: UpRun, steps: list[Step[UpRun]]) -> None:
    runner = StepRunner(console, resume_hint="run the command again")
    for step in steps:
        runner.run(step.name, functools.partial(step.action, run))


def plan(
    ctx: Context, spec: Environment, console: Console, plan_file: Path | None = None
) -> tuple[SavedPlan, PlanSummary]:
    _cloud_only(spec, "qvctl plan")
    run = new_run(ctx, spec)
    saved = SavedPlan((plan_file or default_plan_file(run.paths)).resolve())
    run.saved_plan = saved.plan_file
    saved.plan_file.unlink(missing_ok=True)  # never leave an older plan beside a new record
    _run_steps(console, run, _steps(check_files, environment_ca, terraform_init, terraform_plan))
    assert run.plan is not None
    # Terraform removes nothing, but qvctl's runner drops the file of a plan without changes.
    summary = summarize(run.terraform.show_plan(saved.plan_file)) if saved.plan_file.is_file() else PlanSummary()
    saved.write(spec.name, summary, run.terraform_input_digests())
    show(summary, spec.name, console)
    return saved, summary


def apply(
    ctx: Context, spec: Environment, console: Console, approval: Approval, plan_file: Path | None = None
) -> PlanSummary:
    _cloud_only(spec, "qvctl apply")
    run = new_run(ctx, spec)
    saved = SavedPlan((plan_file or default_plan_file(run.paths)).resolve())
    run.saved_plan = saved.plan_file
    recorded, inputs = saved.read(spec.name)
    refuse_if_stale(spec.name, inputs, run.terraform_input_digests())
    if recorded.no_changes:
        console.print(f"{spec.name}: the saved plan has no changes; nothing to apply", highlight=False, markup=False)
        return recorded
    _run_steps(console, run, _steps(check_files, terraform_init))
    summary = review(run.terraform, saved.plan_file, spec.name, console, approval)
    _run_steps(console, run, _steps(terraform_apply))
    return summary
