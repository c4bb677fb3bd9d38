"""`qvctl up`: the environment through its layers, in order, each a named, timed, idempotent step.

Local: supervisord -> emulator -> state bucket -> terraform init/apply -> (kept emulator data)
-> environment CA -> Terraform outputs -> ansible-playbook -> health gate -> endpoint table.
Cloud: terraform init/apply -> outputs -> ansible-playbook; Kubernetes is the next step (kubectl).

Every step can run again on a half-built environment, which is what makes `up` resumable
after a failure or Ctrl-C: supervisord and the emulator are reused when running, the bucket
and CA when present, and Terraform and Ansible converge by themselves.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import emulator, health, pki, supervisor
from qvctl.platform.ansible import Playbook, PlaybookRun
from qvctl.platform.components import local_components
from qvctl.platform.down import describe_foreign, foreign_listeners
from qvctl.platform.paths import EnvPaths
from qvctl.platform.steps import Outcome, StepRunner
from qvctl.platform.terraform import ApplySummary, Terraform, write_outputs_file
from qvctl.spec import Environment


@dataclass
class UpReport:
    env: str
    state_dir: Path
    terraform: ApplySummary | None = None
    ansible: PlaybookRun | None = None
    steps: list[tuple[str, float, str]] = field(default_factory=list)

    @property
    def no_changes(self) -> bool:
        """Both tools said so themselves: Terraform's change summary and Ansible's recap."""
        return bool(self.terraform and self.terraform.no_changes and self.ansible and self.ansible.changed == 0)


def _emulator_env(spec: Environment) -> dict[str, str]:
    if spec.emulator is None:
        return {}
    env = emulator.aws_environ(spec.emulator.address, spec.emulator.port, spec.regions.primary)
    # The provider and the backend get the endpoint from tfvars/.tfbackend, like a person's run;
    # a global endpoint override would hide a mistake there.
    env.pop("AWS_ENDPOINT_URL")
    return env


def bring_up(ctx: Context, spec: Environment, console: Console, health_deadline: float = 90.0) -> UpReport:
    env = spec.name
    paths = EnvPaths.of(ctx, env)
    paths.state.mkdir(parents=True, exist_ok=True)
    report = UpReport(env, paths.state)
    runner = StepRunner(console)
    terraform_dir = paths.root / "terraform"
    ansible_dir = paths.root / "ansible"
    backend = Path("env") / f"{env}.tfbackend"
    tfvars = Path("env") / f"{env}.tfvars"
    for needed in (terraform_dir / backend, terraform_dir / tfvars, ansible_dir / "main.yml",
                   ansible_dir / "inventories" / env):
        if not needed.exists():
            raise QvError(f"{needed.relative_to(paths.root)} is missing: the {env} environment cannot be built",
                          ExitStatus.INVALID_INPUT)
    aws_env = _emulator_env(spec)

    if spec.emulator is not None:
        address, port = spec.emulator.address, spec.emulator.port

        def addresses_free(note) -> str:  # type: ignore[no-untyped-def]
            taken = foreign_listeners(paths, spec)
            if taken:
                raise QvError("another environment holds this environment's addresses: " + describe_foreign(taken)
                              + "; stop it first (qvctl down, or supervisorctl -c <its config> shutdown)")
            return "no other environment on the local addresses"

        runner.run("check the local addresses", addresses_free)
        runner.run("start supervisord", lambda note: supervisor.start(ctx, paths))

        def start_emulator(note) -> str:  # type: ignore[no-untyped-def]
            emulator.write_program(paths, sys.executable, address, port)
            changed = supervisor.update(paths)
            note("waiting for moto")
            proc = supervisor.wait_running(paths, emulator.PROGRAM, timeout=30)
            emulator.wait_ready(address, port, spec.regions.primary)
            started = "started" if emulator.PROGRAM in changed else "running"
            return f"{started} on {emulator.endpoint_url(address, port)} (pid {proc.pid})"

        runner.run("start the AWS emulator", start_emulator)
        bucket = emulator.read_backend_bucket(terraform_dir / backend)
        if bucket is None:
            raise QvError(f"terraform/{backend} names no bucket", ExitStatus.INVALID_INPUT)
        runner.run("bootstrap the Terraform state bucket",
                   lambda note: emulator.ensure_state_bucket(address, port, spec.regions.primary, bucket))

    terraform = Terraform(ctx, terraform_dir, paths.terraform_data_dir, aws_env, paths.run_log_dir)
    runner.run("terraform init", lambda note: terraform.init(backend, note))

    # plan, then apply the saved plan only if Terraform found changes: a no-change run skips
    # the apply walk (and its provider start-ups), which is most of a warm `up`'s Terraform time.
    plan_file = paths.terraform_data_dir / f"{env}.tfplan"

    def plan(note) -> Outcome:  # type: ignore[no-untyped-def]
        summary = terraform.plan(tfvars, plan_file, note)
        report.terraform = summary
        if summary.no_changes:
            return Outcome("no changes", changed=False)
        return Outcome(f"{summary.add} to add, {summary.change} to change, {summary.remove} to destroy"
                       if not summary.outputs_only else "only outputs change", changed=True)

    runner.run("terraform plan", plan)
    if report.terraform is not None and not report.terraform.no_changes:
        def apply(note) -> Outcome:  # type: ignore[no-untyped-def]
            applied = terraform.apply_plan(plan_file, note)
            return Outcome(applied.describe(), changed=True)

        runner.run("terraform apply", apply)

    if spec.emulator is not None and (paths.emulator_snapshot / "secrets.json").exists():
        runner.run("restore the kept emulator data", lambda note: emulator.restore_snapshot(
            paths, spec.emulator.address, spec.emulator.port, spec.regions.primary) or "nothing kept")

    if spec.kind == "local":
        def ca(note) -> Outcome:  # type: ignore[no-untyped-def]
            made = pki.ensure_ca(paths.ca_cert, paths.ca_key, env, spec.project)
            verb = "created" if made.created else "reused"
            return Outcome(f"{verb} {paths.ca_cert} (sha256 {made.fingerprint[:16]}…)", changed=made.created)

        runner.run("environment CA", ca)

    def outputs(note) -> Outcome:  # type: ignore[no-untyped-def]
        values = terraform.outputs()
        changed = write_outputs_file(paths.terraform_outputs, values)
        return Outcome(f"{len(values)} outputs -> {paths.terraform_outputs.name}", changed=changed)

    runner.run("hand Terraform outputs to Ansible", outputs)

    extra_vars = [f"@{paths.terraform_outputs}", f"qv_state_dir={paths.state}"]
    if spec.emulator is not None:
        extra_vars.append(f"aws_endpoint_url={emulator.endpoint_url(spec.emulator.address, spec.emulator.port)}")
    playbook = Playbook(ctx, ansible_dir, f"inventories/{env}", "main.yml", extra_vars, aws_env,
                        paths.run_log_dir / "ansible.log")

    def configure(note) -> Outcome:  # type: ignore[no-untyped-def]
        run = playbook.run(note)
        report.ansible = run
        return Outcome(run.describe(), changed=run.changed > 0)

    runner.run("ansible-playbook main.yml", configure)

    if spec.kind == "local":
        components = local_components(spec)

        def gate(note) -> str:  # type: ignore[no-untyped-def]
            health.wait_healthy(components, paths.ca_cert, health_deadline, note)
            return f"{len(components)} components healthy"

        runner.run("health: every component", gate)
        edge = next(c for c in components if c.name == "nginx")
        runner.run("health: portfolio through nginx",
                   lambda note: health.portfolio_round_trip(f"https://{edge.address}", paths.ca_cert))
    report.steps = [(r.name, r.seconds, r.summary) for r in runner.results]
    return report
