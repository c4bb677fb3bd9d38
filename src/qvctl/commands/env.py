"""`qvctl env`: check and show environment specs."""

from __future__ import annotations

import typer

from qvctl.context import Context
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, err_console, print_json, print_table
from qvctl.spec import Environment, SpecError, environment_names, load_environment, require_environment, spec_path

env_app = typer.Typer(help="Check and show environment specs (environments/<env>.yaml).", no_args_is_help=True)


@env_app.command("check")
def check(
    specs: list[str] = typer.Argument(
        None, help="Environment names or spec file paths (default: every environments/*.yaml)."
    ),
) -> None:
    """Validate specs; print one line per problem and exit 2 if any is wrong."""
    ctx = Context.discover()
    targets = specs or environment_names(ctx.root)
    failed = False
    for target in targets:
        path = spec_path(ctx.root, target)
        try:
            env = load_environment(path, ctx.root)
        except SpecError as err:
            failed = True
            for line in err.problems:
                err_console.print(line, markup=False, highlight=False, soft_wrap=True)
            continue
        regions = f"{env.regions.primary} + {env.regions.dr}"
        console.print(f"ok: {target} ({env.name}, {env.kind}, {env.tier}, {regions})", highlight=False)
    if failed:
        raise typer.Exit(ExitStatus.INVALID_INPUT)


def _image(env: Environment) -> str:
    pinned = env.application.image
    if pinned is None:
        return "none (runs from this checkout)"
    return f"{pinned.repository}:{pinned.tag}@{pinned.digest}"


@env_app.command("show")
def show(
    name: str = typer.Argument(..., help="Environment name or spec file path."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
) -> None:
    """Show the validated spec of one environment."""
    env = require_environment(Context.discover(), name)
    if output is OutputFormat.json:
        print_json(env.model_dump(mode="json"))
        return
    rows = [
        ["kind", env.kind],
        ["tier", env.tier],
        ["domain", env.domain],
        ["regions", f"{env.regions.primary} (primary), {env.regions.dr} (dr)"],
        ["vpc", f"{env.network.primary.vpc_cidr} / {env.network.dr.vpc_cidr}"],
        ["availability zones", ", ".join(env.network.primary.availability_zones)],
        ["nat", env.network.primary.nat],
        ["hosts", ", ".join(f"{n}x{g.count}" for n, g in env.hosts.items())],
        ["kubernetes", env.kubernetes.version],
        ["image", _image(env)],
        ["replicas", f"{env.application.replicas.min}-{env.application.replicas.max}"],
        ["database", f"{env.database.nodes} nodes, postgresql {env.database.versions.postgresql}, "
                     f"synchronous={env.database.synchronous_mode}"],
        ["backup", f"retention {env.backup.retention_days} d, PITR window {env.backup.pitr_window_days} d"],
        ["rollout", f"{env.rollout.strategy} {[s.weight for s in env.rollout.steps]}"],
        ["alerts", ", ".join(f"{r.severity}→{r.receiver}" for r in env.alerting.routes)],
        ["slo", f"availability {env.slo.availability.objective:.2%}, latency {env.slo.latency.objective:.2%} "
                f"≤ {env.slo.latency.threshold_seconds:g} s"],
    ]
    print_table(f"environment {env.name}", ["field", "value"], rows)


@env_app.command("scaffold")
def scaffold(
    names: list[str] = typer.Argument(None, help="Environment names (default: every environments/*.yaml)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; fail and name what differs from the spec."),
) -> None:
    """Make an environment's Terraform backend and tfvars and its Ansible inventory from its spec.

    The backend file and the inventory follow from the spec and are rewritten from it; the tfvars
    file is written once, with defaults for the environment's tier, and is then yours to edit.
    """
    from qvctl import scaffold as scaffolding

    ctx = Context.discover()
    problems: list[str] = []
    for name in names or environment_names(ctx.root):
        env = require_environment(ctx, name)
        if check:
            problems += scaffolding.problems(ctx.root, env)
            continue
        changed = scaffolding.write(ctx.root, env)
        console.print(f"{name}: " + (", ".join(changed) if changed else "up to date"), highlight=False,
                      markup=False)
    if problems:
        for line in problems:
            err_console.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(ExitStatus.FAILED)
    if check:
        console.print("every environment's Terraform and Ansible files match its spec", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
