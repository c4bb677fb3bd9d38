"""`qvctl up`: the environment through its layers, in order, each a named, timed, idempotent step.

Local:  state folder -> addresses -> supervisord -> environment CA -> emulator (and its TLS
        front) -> state bucket -> terraform init / plan / apply -> kept emulator data ->
        ansible-playbook -> health gate -> a portfolio through nginx -> the backup scheduler.
Cloud:  terraform init / plan -> the plan shown, and applied only when approved (qvctl.platform.approval)
        -> terraform apply -> ansible-playbook; Kubernetes is the next step (kubectl).

Ansible runs exactly the documented command, `ansible-playbook -i inventories/<env> main.yml`:
it finds the state folder and Terraform's outputs itself (main.yml's first play).

Every step can run again on a half-built environment, which is what makes `up` resumable
after a failure or Ctrl-C: supervisord and the emulator are reused when running, the bucket
and CA when present, and Terraform and Ansible converge by themselves. While Ansible and the
health gate run, a watch on supervisord stops the step at once when a program crashes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from qvctl import tools
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import emulator, health, pki, state, supervisor, tokens
from qvctl.platform.ansible import Playbook, PlaybookRun
from qvctl.platform.approval import Approval, review
from qvctl.platform.components import Component, edge_component, local_components
from qvctl.platform.down import describe_foreign, foreign_listeners
from qvctl.platform.paths import EnvPaths
from qvctl.platform.steps import Note, Outcome, Step, StepRunner
from qvctl.platform.terraform import ApplySummary, Terraform
from qvctl.platform.terraform_inputs import file_digests, fingerprint
from qvctl.platform.terraform_state import backend_file, read_backend, state_version
from qvctl.spec import Environment

HEALTH_DEADLINE_SECONDS = 90.0


@dataclass
class UpRun:
    """What the steps of one `qvctl up` share, and what they found."""

    ctx: Context
    spec: Environment
    paths: EnvPaths
    terraform: Terraform
    playbook: Playbook
    watch: supervisor.CrashWatch
    # Plan even when nothing Terraform reads has changed (`qvctl up --refresh`).
    refresh: bool = False
    plan: ApplySummary | None = None
    plan_skipped: bool = False
    ansible: PlaybookRun | None = None
    components: list[Component] = field(default_factory=list)
    # Where the plan is saved when not in the data dir (`qvctl plan ENV --out FILE`).
    saved_plan: Path | None = None

    @property
    def local(self) -> bool:
        return self.spec.kind == "local"

    @property
    def plan_file(self) -> Path:
        return self.saved_plan or self.paths.terraform_data_dir / f"{self.spec.name}.tfplan"

    @property
    def no_changes(self) -> bool:
        """Both tools said so themselves: Terraform's plan (or nothing it reads changed) and Ansible's recap."""
        return bool(self.plan and self.plan.no_changes and self.ansible and self.ansible.changed == 0)

    @property
    def planned_marker(self) -> Path:
        """The fingerprint of what Terraform read when it last found nothing to do."""
        return self.paths.terraform_data_dir / "planned.sha256"

    def terraform_fingerprint(self) -> str:
        backend = read_backend(backend_file(self.paths.root, self.spec.name))
        version = state_version(backend, {**self.ctx.environ, **self.terraform.extra_env})
        return fingerprint(self.paths.root, self.spec.name, version, extra=self._files_outside())

    def terraform_input_digests(self) -> dict[str, str]:
        """What the plan was made from, file by file (the state is Terraform's to compare)."""
        return file_digests(self.paths.root, self.spec.name, extra=self._files_outside())

    def _files_outside(self) -> list[Path]:
        # A cloud's CA certificate, which Terraform publishes, is read from the state folder: a renewed
        # CA is a change there (the local platform publishes none).
        return [self.paths.ca_cert] if self.spec.kind == "cloud" else []


# --- the steps, in the order they run ---------------------------------------------------------


def check_files(run: UpRun, note: Note) -> str:
    name = run.spec.name
    needed = [Path("terraform/env") / f"{name}.tfbackend", Path("terraform/env") / f"{name}.tfvars",
              Path("ansible/inventories") / name]
    for path in needed:
        if not (run.paths.root / path).exists():
            raise QvError(f"{path} is missing: the {name} environment cannot be built "
                          f"(qvctl env scaffold {name} makes it from the spec)", ExitStatus.INVALID_INPUT)
    return ", ".join(str(p) for p in needed)


def prepare_state(run: UpRun, note: Note) -> str:
    return state.prepare(run.ctx, run.paths)


def check_addresses(run: UpRun, note: Note) -> str:
    taken = foreign_listeners(run.paths, run.spec)
    if taken:
        raise QvError("another environment holds this environment's addresses: " + describe_foreign(taken)
                      + "; stop it first (qvctl down, or supervisorctl -c <its config> shutdown)")
    return "no other environment on the local addresses"


def start_supervisord(run: UpRun, note: Note) -> str:
    return supervisor.start(run.ctx, run.paths)


def start_emulator(run: UpRun, note: Note) -> str:
    assert run.spec.emulator is not None
    address, port, tls_port = run.spec.emulator.address, run.spec.emulator.port, run.spec.emulator.tls_port
    emulator.write_program(run.paths, sys.executable, address, port)
    # Its TLS front (nginx) with a certificate of the environment CA, for pgBackRest.
    pki.ensure_leaf(run.paths.emulator_tls_cert, run.paths.emulator_tls_key, run.paths.ca_cert,
                    run.paths.ca_key, "localhost", ["localhost", address])
    emulator.write_tls_front(run.paths, tools.require(run.ctx, "nginx"), address, port, tls_port)
    changed = supervisor.update(run.paths)
    note("waiting for moto")
    proc = supervisor.wait_running(run.paths, emulator.PROGRAM, timeout=30)
    supervisor.wait_running(run.paths, emulator.TLS_PROGRAM, timeout=30)
    emulator.wait_ready(address, port, run.spec.regions.primary)
    started = "started" if emulator.PROGRAM in changed else "running"
    return f"{started} on {emulator.endpoint_url(address, port)} (pid {proc.pid}), TLS on :{tls_port}"


def state_bucket(run: UpRun, note: Note) -> str:
    assert run.spec.emulator is not None
    backend = read_backend(backend_file(run.paths.root, run.spec.name))
    return emulator.ensure_state_bucket(run.spec.emulator.address, run.spec.emulator.port,
                                        run.spec.regions.primary, backend.bucket)


def terraform_inputs(run: UpRun, note: Note) -> Outcome:
    """Nothing Terraform reads changed since it last found nothing to do: a plan would find nothing."""
    current = run.terraform_fingerprint()
    if not run.refresh and run.planned_marker.is_file() and run.planned_marker.read_text() == current:
        run.plan, run.plan_skipped = ApplySummary(seen=True), True
        return Outcome(f"unchanged since Terraform's last plan (sha256 {current[:12]}…): no plan needed; "
                       "--refresh plans anyway", changed=False)
    run.planned_marker.unlink(missing_ok=True)
    return Outcome("--refresh: plan" if run.refresh else "changed since the last plan: plan", changed=None)


def terraform_init(run: UpRun, note: Note) -> str:
    return run.terraform.init(Path("env") / f"{run.spec.name}.tfbackend", note)


def terraform_plan(run: UpRun, note: Note) -> Outcome:
    # Plan, then apply the saved plan only if Terraform found changes: a no-change run skips the
    # apply walk (and its provider start-ups), most of a warm `up`'s Terraform time.
    run.plan = run.terraform.plan(Path("env") / f"{run.spec.name}.tfvars", run.plan_file, note)
    if run.plan.no_changes:
        run.planned_marker.write_text(run.terraform_fingerprint())
        return Outcome("no changes", changed=False)
    if run.plan.outputs_only:
        return Outcome("only outputs change", changed=True)
    return Outcome(f"{run.plan.add} to add, {run.plan.change} to change, {run.plan.remove} to destroy", changed=True)


def terraform_apply(run: UpRun, note: Note) -> Outcome:
    applied = run.terraform.apply_plan(run.plan_file, note)
    # The state now matches the configuration: the next warm run need not plan again.
    run.planned_marker.write_text(run.terraform_fingerprint())
    return Outcome(applied.describe(), changed=True)


def restore_kept_data(run: UpRun, note: Note) -> str:
    assert run.spec.emulator is not None
    return emulator.restore_snapshot(run.paths, run.spec.emulator.address, run.spec.emulator.port,
                                     run.spec.regions.primary) or "nothing kept"


def environment_ca(run: UpRun, note: Note) -> Outcome:
    made = pki.ensure_ca(run.paths.ca_cert, run.paths.ca_key, run.spec.name, run.spec.project)
    # qvctl's own client certificate: etcd and pgBackRest accept no client without one.
    client = pki.ensure_leaf(run.paths.client_cert, run.paths.client_key, run.paths.ca_cert, run.paths.ca_key,
                             "qvctl", ["qvctl"])
    # The token issuer's key lives beside the CA: same lifetime, same folder, same protection.
    issuer = tokens.ensure_issuer(run.paths, run.spec)
    verb = "created" if made.created else "reused"
    return Outcome(f"{verb} {run.paths.ca_cert} (sha256 {made.fingerprint[:16]}…)",
                   changed=made.created or client or issuer)


def configure_hosts(run: UpRun, note: Note) -> Outcome:
    run.ansible = run.playbook.run(note, watchdog=run.watch if run.local else None)
    return Outcome(run.ansible.describe(), changed=run.ansible.changed > 0)


def health_gate(run: UpRun, note: Note) -> str:
    health.wait_healthy(run.components, health.Trust.of(run.paths), HEALTH_DEADLINE_SECONDS, note,
                        watchdog=run.watch)
    return f"{len(run.components)} components healthy"


def portfolio_through_nginx(run: UpRun, note: Note) -> str:
    token = tokens.service_token(run.paths, run.spec, "qvctl-health-gate")
    return health.portfolio_round_trip(f"https://{edge_component(run.spec).address}", health.Trust.of(run.paths), token)


def backup_scheduler(run: UpRun, note: Note) -> Outcome:
    from qvctl.backup import supervised

    summary = supervised.install(run.paths, sys.executable)
    return Outcome(summary, changed=summary.startswith("started"))


def _local(run: UpRun) -> bool:
    return run.local


def _must_plan(run: UpRun) -> bool:
    return not run.plan_skipped


def _plan_has_changes(run: UpRun) -> bool:
    return run.plan is not None and not run.plan.no_changes


def _data_was_kept(run: UpRun) -> bool:
    return run.local and (run.paths.emulator_snapshot / "secrets.json").exists()


STEPS: list[Step[UpRun]] = [
    Step("check the environment's files", check_files),
    Step("prepare the state folder", prepare_state, when=_local),
    Step("check the local addresses", check_addresses, when=_local),
    Step("start supervisord", start_supervisord, when=_local),
    # Every environment: Ansible signs the hosts' certificates with it, and Terraform publishes
    # its certificate for the pods (<project>/<env>/pki/ca), so it exists before the plan.
    Step("environment CA", environment_ca),
    Step("start the AWS emulator", start_emulator, when=_local),
    Step("bootstrap the Terraform state bucket", state_bucket, when=_local),
    Step("terraform: what it reads", terraform_inputs),
    Step("terraform init", terraform_init, when=_must_plan),
    Step("terraform plan", terraform_plan, when=_must_plan),
    Step("terraform apply", terraform_apply, when=_plan_has_changes),
    Step("restore the kept emulator data", restore_kept_data, when=_data_was_kept),
    Step("ansible-playbook main.yml", configure_hosts),
    Step("health: every component", health_gate, when=_local),
    Step("health: portfolio through nginx", portfolio_through_nginx, when=_local),
    # The local stand-in for the database hosts' backup timers (qvctl.backup.supervised).
    Step("backup scheduler", backup_scheduler, when=_local),
]


def aws_environ(spec: Environment) -> dict[str, str]:
    """The emulator's credentials and region for the tools (nothing for a cloud environment)."""
    if spec.emulator is None:
        return {}
    env = emulator.aws_environ(spec.emulator.address, spec.emulator.port, spec.regions.primary)
    # Terraform gets the endpoint from tfvars/.tfbackend, like a person's run; a global
    # endpoint override would hide a mistake there.
    env.pop("AWS_ENDPOINT_URL")
    return env


def environment_playbook(ctx: Context, spec: Environment, log_name: str, limit: str | None = None,
                         check: bool = False) -> Playbook:
    """main.yml against the environment's inventory, with the emulator's credentials locally."""
    paths = EnvPaths.of(ctx, spec.name)
    return Playbook(ctx, paths.root / "ansible", f"inventories/{spec.name}", "main.yml", aws_environ(spec),
                    paths.run_log_dir / log_name, limit=limit, check=check)


def new_run(ctx: Context, spec: Environment, refresh: bool = False) -> UpRun:
    paths = EnvPaths.of(ctx, spec.name)
    # The environment CA (made by the step before the plan) is what Terraform publishes to the pods.
    # The local platform has no pods: nothing to publish, and a plan by hand (the README's workflow,
    # which knows no state folder) sees exactly what `qvctl up` applied.
    inputs = aws_environ(spec)
    if spec.kind == "cloud":
        inputs["TF_VAR_environment_ca_certificate_file"] = str(paths.ca_cert)
    terraform = Terraform(ctx, paths.root / "terraform", paths.terraform_data_dir, inputs, paths.run_log_dir)
    playbook = environment_playbook(ctx, spec, "ansible.log")
    components = local_components(spec) if spec.kind == "local" else []
    return UpRun(ctx, spec, paths, terraform, playbook, supervisor.CrashWatch(paths), refresh=refresh,
                 components=components)


# A cloud environment's plan is shown and approved between these two halves of STEPS.
REVIEW_BEFORE = next(i for i, step in enumerate(STEPS) if step.action is terraform_apply)


def bring_up(ctx: Context, spec: Environment, console: Console, refresh: bool = False,
             approval: Approval | None = None) -> UpRun:
    """`approval`: how a cloud environment's plan is approved (required for one; the local platform
    applies what it plans, as its own emulator is all it changes)."""
    run = new_run(ctx, spec, refresh)
    runner = StepRunner(console)
    if run.local:
        runner.run_all(STEPS, run)
        return run
    if approval is None:
        raise QvError(f"{spec.name} is a cloud environment: its plan must be approved (--yes or a terminal)")
    runner.run_all(STEPS[:REVIEW_BEFORE], run)
    if _plan_has_changes(run):
        review(run.terraform, run.plan_file, spec.name, console, approval)
    runner.run_all(STEPS[REVIEW_BEFORE:], run)
    return run
