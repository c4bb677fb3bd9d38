"""`qvctl plan / apply / drift`: reviewed Terraform changes to a cloud environment, and drift from the code."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, err_console, print_json, print_table
from qvctl.platform.lock import environment_lock
from qvctl.platform.paths import EnvPaths
from qvctl.spec import require_environment

CLOUD_ENV = typer.Argument(..., help="A cloud environment (a file environments/<name>.yaml): dev, staging, prod.")
YES = typer.Option(False, "--yes", "-y", help="Apply without asking (automation that was approved elsewhere).")


def plan(
    env: str = CLOUD_ENV,
    out: Path = typer.Option(
        None,
        "--out",
        help="Where to save the plan (default .qv/<env>/plans/<env>.tfplan); "
        "its summary is written beside it as <plan>.json.",
    ),
    summary_file: Path = typer.Option(
        None, "--summary-file", help="Also write the summary as Markdown here (a pull-request comment)."
    ),
) -> None:
    """Save a Terraform plan of ENV and show what it would add, change and destroy (destroys in red)."""
    from qvctl.platform import gate
    from qvctl.platform.plan_summary import markdown

    ctx = Context.discover()
    spec = require_environment(ctx, env)
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        saved, summary = gate.plan(ctx, spec, console, out)
    console.print(
        f"saved plan: {saved.plan_file}" if not summary.no_changes else "no plan file: nothing to apply",
        highlight=False,
        markup=False,
    )
    console.print(f"summary: {saved.record_file}", highlight=False, markup=False)
    if summary_file is not None:
        summary_file.write_text(markdown(summary, env))
    if not summary.no_changes:
        console.print(
            f"next: qvctl apply {env}" + (f" --plan {saved.plan_file}" if out else ""), highlight=False, markup=False
        )


def apply(
    env: str = CLOUD_ENV,
    plan_file: Path = typer.Option(
        None, "--plan", help="The saved plan to apply (default: the one qvctl plan ENV saved)."
    ),
    yes: bool = YES,
) -> None:
    """Apply exactly the plan `qvctl plan ENV` saved, after showing it and asking; refuse a stale plan."""
    from qvctl.platform import gate
    from qvctl.platform.approval import Approval

    ctx = Context.discover()
    spec = require_environment(ctx, env)
    approval = Approval(yes=yes, interactive=sys.stdin.isatty())
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        summary = gate.apply(ctx, spec, console, approval, plan_file)
    if not summary.no_changes:
        console.print(f"{env}: applied ({summary.describe()})", highlight=False, markup=False)


def drift(
    env: str = typer.Argument("local", help="Environment name (a file environments/<name>.yaml)."),
    only: str = typer.Option(None, "--only", help="Check one layer only: terraform or ansible."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
) -> None:
    """Compare ENV with the code: Terraform's refresh-only plan and Ansible's check/diff mode, one report.

    Exit 0: no drift; 2: something drifted (listed); a tool's failure keeps its own exit status.
    """
    from qvctl.drift.run import LAYERS, detect

    if only is not None and only not in LAYERS:
        raise QvError(f"--only {only}: not a layer; choose one of {', '.join(LAYERS)}", ExitStatus.INVALID_INPUT)
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    # Progress to stderr under --output json: stdout is the document alone.
    steps_console = err_console if output is OutputFormat.json else console
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        found = detect(ctx, spec, steps_console, (only,) if only else LAYERS)
    if output is OutputFormat.json:
        print_json({"environment": env, "drifted": bool(found), "findings": [f.as_dict() for f in found]})
    elif found:
        print_table(
            f"{env}: drift",
            ["layer", "resource or host", "what differs"],
            [[f.layer, f.subject, f.what] for f in found],
        )
    else:
        console.print(f"{env}: no drift", highlight=False, markup=False)
    if found:
        raise typer.Exit(ExitStatus.DRIFT)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("apply")(apply)
    app.command("drift")(drift)
