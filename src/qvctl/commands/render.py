"""`qvctl render [ENV] [--check]`: write or verify what is rendered from the environment specs.

Kubernetes manifests (`kubernetes/<env>/`, cloud environments), the monitoring configuration
(`monitoring/generated/<env>/`, every environment) and, when no environment is named, what belongs
to none: the dashboards' JSON (`monitoring/dashboards/generated/`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from qvctl import rendered_files
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes import render as kubernetes
from qvctl.monitoring import dashboards
from qvctl.monitoring import render as monitoring
from qvctl.output import console
from qvctl.spec import Environment, SpecError, environment_names, require_environment


def _targets(ctx: Context, env_name: str | None) -> list[Environment]:
    if env_name is not None:
        return [require_environment(ctx, env_name)]
    try:
        return [require_environment(ctx, name) for name in environment_names(ctx.root)]
    except SpecError as err:
        raise QvError(str(err), ExitStatus.INVALID_INPUT) from None


# (who it is for, folder, files, the pattern of the files it owns there)
Output = tuple[str, str, dict[str, str], str]


def _outputs(env: Environment) -> list[Output]:
    # Folders relative to the repository, as the renderers name them.
    here = Path()
    outputs: list[Output] = []
    if env.kind == "cloud":
        manifests = kubernetes.render_environment(env).files
        outputs.append((env.name, str(kubernetes.output_dir(here, env.name)), manifests, "*.yaml"))
    outputs.append((env.name, str(monitoring.output_dir(here, env.name)), monitoring.render_environment(env), "*.yml"))
    return outputs


def render_targets(ctx: Context, env_name: str | None, check: bool) -> list[str]:
    """Render (or compare) and return the stale files; raises QvError for bad input."""
    outputs = [output for env in _targets(ctx, env_name) for output in _outputs(env)]
    if env_name is None:
        outputs.append(("dashboards", dashboards.OUTPUT_DIR, dashboards.render_files(), "*.json"))
    stale: list[str] = []
    for owner, folder, files, pattern in outputs:
        directory = ctx.root / folder
        if check:
            stale.extend(f"{folder}/{name}" for name in rendered_files.stale_files(files, directory, pattern))
            continue
        changed = rendered_files.write(files, directory, pattern)
        summary = f"{len(changed)} changed" if changed else "up to date"
        console.print(f"{owner}: {len(files)} files in {folder}/ ({summary})", highlight=False)
    return stale


def register(app: typer.Typer) -> None:
    @app.command("render")
    def render(
        env_name: str = typer.Argument(None, metavar="[ENV]", help="An environment (default: every one)."),
        check: bool = typer.Option(False, "--check", help="Write nothing; fail and name the files that are stale."),
    ) -> None:
        """Render kubernetes/<env>/ (cloud) and monitoring/generated/<env>/ from environments/<env>.yaml.

        With no ENV, also monitoring/dashboards/generated/ (the dashboards belong to no environment).
        """
        ctx = Context.discover()
        stale = render_targets(ctx, env_name, check)
        if stale:
            raise QvError(
                f"{len(stale)} rendered file(s) are stale, run `qvctl render`: " + ", ".join(stale), ExitStatus.FAILED
            )
        if check:
            console.print("rendered files are up to date", highlight=False)
