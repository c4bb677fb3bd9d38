"""`qvctl drift [ENV]`: does the environment still match the code? Both tools answer, nothing changes.

Terraform: `terraform plan -refresh-only` with the environment's own init, tfvars and
credentials (those of `qvctl up`), read back with `terraform show -json` (its resource_drift).
The refresh-only plan is never applied. Ansible: the documented playbook command with
`--check --diff`, its changed tasks read from the JSON-lines events.
"""

from __future__ import annotations

import functools
from pathlib import Path

from rich.console import Console

from qvctl.context import Context
from qvctl.drift import ansible, terraform
from qvctl.drift.findings import Finding
from qvctl.platform.steps import Note, Outcome, StepRunner
from qvctl.platform.up import UpRun, environment_ca, environment_playbook, new_run, terraform_init
from qvctl.spec import Environment

LAYERS = ("terraform", "ansible")


def _terraform(run: UpRun, found: list[Finding], note: Note) -> Outcome:
    plan_file: Path = run.paths.terraform_data_dir / f"{run.spec.name}.drift.tfplan"
    try:
        run.terraform.refresh_plan(Path("env") / f"{run.spec.name}.tfvars", plan_file, note)
        drifted = terraform.findings(run.terraform.show_plan(plan_file))
    finally:
        plan_file.unlink(missing_ok=True)
    found.extend(drifted)
    return Outcome(f"{len(drifted)} resource(s) drifted" if drifted else "no drift", changed=bool(drifted))


def _ansible(ctx: Context, spec: Environment, found: list[Finding], note: Note) -> Outcome:
    playbook = environment_playbook(ctx, spec, "ansible-check.log", check=True)
    drifted = ansible.findings(playbook.run(note))
    found.extend(drifted)
    hosts = len({f.subject for f in drifted})
    return Outcome(
        f"{len(drifted)} task(s) would change {hosts} host(s)" if drifted else "no drift", changed=bool(drifted)
    )


def detect(ctx: Context, spec: Environment, console: Console, layers: tuple[str, ...] = LAYERS) -> list[Finding]:
    run = new_run(ctx, spec)
    runner = StepRunner(console, resume_hint="run qvctl drift again")
    found: list[Finding] = []
    if "terraform" in layers:
        if spec.kind == "cloud":  # Terraform reads the CA it publishes (as in qvctl up and plan)
            runner.run("environment CA", functools.partial(environment_ca, run))
        runner.run("terraform init", functools.partial(terraform_init, run))
        runner.run("terraform plan -refresh-only", functools.partial(_terraform, run, found))
    if "ansible" in layers:
        runner.run("ansible-playbook --check --diff", functools.partial(_ansible, ctx, spec, found))
    return found
