"""The `qvctl` entry point: mounts the command families and turns errors into exit codes."""

from __future__ import annotations

import signal
import sys

import typer

from qvctl import __version__
from qvctl.commands import backup, changes, dashboards, doctor, dr, env, logs, release, sbom, token, validate
from qvctl.commands import platform as platform_commands
from qvctl.commands import render as render_command
from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.output import error

app = typer.Typer(
    name="qvctl",
    help="Drive, verify and operate the QuantumVest infrastructure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qvctl {__version__}")
        raise typer.Exit(ExitStatus.OK)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Drive, verify and operate the QuantumVest infrastructure."""


# Command families. Each module exposes `register(app)`; keep this list in one place.
env.register(app)
doctor.register(app)
validate.register(app)
render_command.register(app)
platform_commands.register(app)
changes.register(app)
logs.register(app)
backup.register(app)
dr.register(app)
dashboards.register(app)
release.register(app)
token.register(app)
sbom.register(app)
# (further families register here)


class Interrupted(QvError):
    def __init__(self) -> None:
        super().__init__("interrupted; the environment is left as it was, run the command again to resume",
                         ExitStatus.INTERRUPTED)


def _on_sigint(signum: int, frame: object) -> None:
    # Click turns KeyboardInterrupt into "Aborted!" and exit 1; our own exception keeps the
    # meaning (exit 130) and still unwinds every `finally`, so locks and children are released.
    raise Interrupted()


def main() -> None:
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        # Standalone mode: usage errors exit 2 with click's message, typer.Exit exits with its code.
        app()
    except QvError as err:
        error(err.message)
        sys.exit(int(err.status))
