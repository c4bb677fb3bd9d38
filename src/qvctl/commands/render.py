"""`qvctl render [ENV] [--check]`: write or verify the Kubernetes manifests of the cloud environments."""

from __future__ import annotations

import typer

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.render import output_dir, render_environment, stale_files, write
from qvctl.output import console
from qvctl.spec import SpecError, cloud_environments, require_environment


def render_targets(ctx: Context, env_name: str | None, check: bool) -> list[str]:
    """Render (or compare) and return the problems; raises QvError for bad input."""
    if env_name is not None:
        targets = [require_environment(ctx, env_name)]
        if targets[0].kind != "cloud":
            raise QvError(
                f"{env_name}: a local environment has no Kubernetes cluster (the API runs as supervised "
                "processes); render a cloud environment",
                ExitStatus.INVALID_INPUT,
            )
    else:
        try:
            targets = cloud_environments(ctx.root)
        except SpecError as err:
            raise QvError(str(err), ExitStatus.INVALID_INPUT) from None
    stale: list[str] = []
    for env in targets:
        name = env.name
        rendered = render_environment(env)
        directory = output_dir(ctx.root, name)
        if check:
            stale.extend(f"kubernetes/{name}/{file}" for file in stale_files(rendered, directory))
            continue
        changed = write(rendered, directory)
        summary = f"{len(changed)} changed" if changed else "up to date"
        console.print(f"{name}: {len(rendered.files)} files in kubernetes/{name}/ ({summary})", highlight=False)
    return stale


def register(app: typer.Typer) -> None:
    @app.command("render")
    def render(
        env_name: str = typer.Argument(None, metavar="[ENV]", help="A cloud environment (default: every one)."),
        check: bool = typer.Option(False, "--check", help="Write nothing; fail and name the files that are stale."),
    ) -> None:
        """Render kubernetes/<env>/ from environments/<env>.yaml (local has no Kubernetes)."""
        ctx = Context.discover()
        stale = render_targets(ctx, env_name, check)
        if stale:
            raise QvError(
                f"{len(stale)} rendered file(s) are stale, run `qvctl render`: " + ", ".join(stale), ExitStatus.FAILED
            )
        if check:
            console.print("rendered manifests are up to date", highlight=False)
