"""`qvctl doctor`: which external tools qvctl drives are here, their versions, how to get the rest."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor() -> None:
        """List each external tool the project drives: found or missing, version, install command."""
        raise NotImplementedError
