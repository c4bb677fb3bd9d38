"""`qvctl token`: an access token of the local environment's issuer, for a user and scopes."""

from __future__ import annotations

import re

import typer
from quantumvest_api.auth import scopes as api_scopes

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import tokens
from qvctl.platform.paths import EnvPaths
from qvctl.spec import require_environment

_USER = re.compile(r"^[A-Za-z0-9._@:+-]{1,255}$")


def token(
    user: str = typer.Option(..., "--user", "-u", help="The token's subject: the owner of what it creates."),
    scope: list[str] | None = typer.Option(
        None, "--scope", "-s",
        help=f"A scope to grant (repeatable): {', '.join(api_scopes.ALL)}. Default: {' '.join(api_scopes.USER)}."),
    lifetime: int = typer.Option(3600, "--lifetime", min=60, max=86400, help="Seconds until the token expires."),
    env: str = typer.Option("local", "--env", "-e", help="A local environment (the clouds have their own issuer)."),
) -> None:
    """Print a bearer token for USER: `curl -H "Authorization: Bearer $(qvctl token -u alice)" ...`."""
    if not _USER.match(user):
        raise QvError(f"--user {user!r}: use 1 to 255 letters, digits and ._@:+-", ExitStatus.INVALID_INPUT)
    granted = scope or list(api_scopes.USER)
    unknown = sorted(set(granted) - set(api_scopes.ALL))
    if unknown:
        raise QvError(f"--scope {', '.join(unknown)}: unknown; scopes: {', '.join(api_scopes.ALL)}",
                      ExitStatus.INVALID_INPUT)
    ctx = Context.discover()
    spec = require_environment(ctx, env)
    print(tokens.mint(EnvPaths.of(ctx, env), spec, user, granted, lifetime))


def register(app: typer.Typer) -> None:
    app.command("token")(token)
