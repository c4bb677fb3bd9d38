"""The `qvctl` entry point: mounts the command families and turns errors into exit codes."""

from __future__ import annotations

import sys

import typer

from qvctl import __version__
from qvctl.commands import doctor, env
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
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", callback=_version, is_eager=True),
) -> None:
    """Drive, verify and operate the QuantumVest infrastructure."""


# Command families. Each module exposes `register(app)`; keep this list in one place.
env.register(app)
doctor.register(app)
# (further families register here)


def main() -> None:
    try:
        app(standalone_mode=False)
    except QvError as err:
        error(err.message)
        sys.exit(int(err.status))
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        error("interrupted")
        sys.exit(int(ExitStatus.INTERRUPTED))
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(int(ExitStatus.INTERRUPTED))
    except Exception as err:  # click usage errors and the like
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(int(ExitStatus.INVALID_INPUT))
        raise
