"""The CLI's conventions: --help on every command, --version, usage errors exit 2, no tracebacks."""

from __future__ import annotations

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from qvctl import __version__
from qvctl.cli import app

from ..conftest import run_qvctl


def _command_paths(group: TyperGroup, prefix: tuple[str, ...] = ()):
    # Typer 0.29 carries its own click: its groups are TyperGroup, not click.Group.
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, TyperGroup):
            yield from _command_paths(command, (*prefix, name))


COMMANDS = sorted(_command_paths(typer.main.get_command(app)))


# The command families of the architecture (ARCHITECTURE.md, "qvctl"), each command by name, and
# the helpers beside them. Exact: a family that disappears, or a command nobody listed, fails here.
FAMILIES = {
    "platform": {("up",), ("down",), ("status",), ("logs",)},
    "render and validate": {("render",), ("validate",)},
    "reviewed changes": {("plan",), ("apply",), ("drift",)},
    "releases": {("deploy",), ("promote",), ("abort",), ("rollback",), ("releases",)},
    "backup, restore, verify": {("backup",), ("backup", "run"), ("backup", "list"), ("backup", "verify"),
                                ("backup", "schedule"), ("restore",)},
    "disaster recovery": {("dr",), ("dr", "drill"), ("dr", "failover"), ("dr", "failback"), ("dr", "promote"),
                          ("dr", "rebuild")},
    "helpers": {("doctor",), ("env",), ("env", "check"), ("env", "show"), ("env", "scaffold"), ("token",),
                ("sbom",), ("dashboards",), ("dashboards", "snapshot")},
}


def test_the_expected_command_families_are_mounted():
    expected = set().union(*FAMILIES.values())
    assert set(COMMANDS) == expected, {"missing": expected - set(COMMANDS), "unlisted": set(COMMANDS) - expected}


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help(path):
    # In this process (Typer's runner): a new interpreter per command cost two minutes of CPU, and the
    # subprocess conventions (exit codes, no traceback) are tested below.
    done = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "Usage:" in done.output


def test_version():
    done = run_qvctl("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"qvctl {__version__}"


def test_unknown_command_is_a_usage_error_without_traceback():
    done = run_qvctl("no-such-command")
    assert done.returncode == 2
    assert "No such command" in done.stderr and "Traceback" not in done.stderr
