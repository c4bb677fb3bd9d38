"""`qvctl up / down / status`: bring an environment up through its layers and operate it (`logs`: commands/logs.py)."""

from __future__ import annotations

import sys
import time

import typer

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, print_json, print_table
from qvctl.platform import status
from qvctl.platform.components import edge_component, endpoints, local_components
from qvctl.platform.lock import environment_lock
from qvctl.platform.paths import EnvPaths
from qvctl.spec import require_environment

ENV_ARGUMENT = typer.Argument("local", help="Environment name (a file environments/<name>.yaml).")


def up(
    env: str = ENV_ARGUMENT,
    refresh: bool = typer.Option(False, "--refresh", help="Run terraform plan even when nothing it reads changed."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Cloud environments: apply the plan without asking "
                             "(automation that was approved elsewhere)."),
) -> None:
    """Bring ENV up: emulator, Terraform, Ansible, health gate; print its endpoints.

    Safe to run again: a running environment is converged, and qvctl says "no changes" when
    Terraform planned none and Ansible changed nothing. One `up`/`down` at a time per environment.
    A cloud environment's plan is shown and applied only when approved (a terminal, or --yes).
    """
    from qvctl.platform.approval import Approval
    from qvctl.platform.up import bring_up

    ctx = Context.discover()
    spec = require_environment(ctx, env)
    paths = EnvPaths.of(ctx, env)
    started = time.monotonic()
    with environment_lock(paths.lock_file, env) as lock:
        if lock.previous is not None:
            console.print(f"taking over the lock left by {lock.previous.describe()} (no longer running)",
                          highlight=False, markup=False)
        run = bring_up(ctx, spec, console, refresh, Approval(yes=yes, interactive=sys.stdin.isatty()))
    elapsed = time.monotonic() - started
    if spec.kind == "local":
        print_table(f"{env} endpoints", ["URL", "what"], [list(row) for row in endpoints(spec)])
        console.print(f"CA: {paths.ca_cert}   (curl --cacert {paths.ca_cert} https://"
                      f"{edge_component(spec).address}/readyz)", highlight=False, markup=False)
    else:
        console.print(f"next: kubectl apply -f kubernetes/{env}/", highlight=False, markup=False)
    console.print(f"state folder: {paths.state}", highlight=False, markup=False)
    if run.no_changes:
        terraform = "nothing Terraform reads changed" if run.plan_skipped else "Terraform planned none"
        console.print(f"no changes: {terraform} and Ansible changed nothing ({elapsed:.1f}s)", highlight=False)
    else:
        console.print(f"{env} is up ({elapsed:.1f}s)", highlight=False)


def down(
    env: str = ENV_ARGUMENT,
    keep_data: bool = typer.Option(False, "--keep-data", help="Keep the database, the CA and the emulator's data."),
) -> None:
    """Stop everything ENV started and remove its state folder; check nothing is left running."""
    from qvctl.platform.down import tear_down

    ctx = Context.discover()
    spec = require_environment(ctx, env)
    if spec.kind != "local":
        raise QvError(f"down tears down the local platform only; {env} is a cloud environment "
                      "(destroying it is a Terraform decision, not a qvctl shortcut)", ExitStatus.INVALID_INPUT)
    with environment_lock(EnvPaths.of(ctx, env).lock_file, env):
        tear_down(ctx, spec, keep_data, console)
    console.print(f"{env} is down", highlight=False)


def status_command(
    env: str = ENV_ARGUMENT,
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
) -> None:
    """Each component: host address, port, process state (supervisord) and its own health check."""
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    if spec.kind != "local":
        raise QvError(f"status covers the local platform; for {env} use the cloud consoles or kubectl",
                      ExitStatus.INVALID_INPUT)
    from qvctl.release import status as release_status
    from qvctl.release.state import Store

    paths = EnvPaths.of(ctx, env)
    releases = Store(paths).load()
    rows = status.collect(paths, local_components(spec) + release_status.candidate_components(spec, releases))
    if output is OutputFormat.json:
        print_json({"environment": env, "state_dir": str(paths.state),
                    "healthy": all(r.healthy for r in rows), "components": [r.as_dict() for r in rows],
                    "release": release_status.as_dict(releases)})
    else:
        print_table(f"{env} status", ["component", "host", "address", "port", "process", "health"],
                    [[r.component, r.host, r.address, r.port, r.process + (f" (pid {r.pid})" if r.pid else ""),
                      ("healthy: " if r.healthy else "UNHEALTHY: ") + r.health] for r in rows])
        console.print(release_status.rollout_line(releases), highlight=False, markup=False)
    if not all(r.healthy for r in rows):
        raise typer.Exit(ExitStatus.FAILED)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("down")(down)
    app.command("status")(status_command)
