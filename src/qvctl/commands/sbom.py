"""`qvctl sbom PATH`: the API image's software bill of materials (CycloneDX JSON) from its hashed lock."""

from __future__ import annotations

from pathlib import Path

import typer

from qvctl.context import Context
from qvctl.output import console
from qvctl.supply.sbom import API_LOCK, write_sbom


def sbom(
    output: Path = typer.Argument(..., help="The CycloneDX JSON file to write."),
    lock: Path = typer.Option(None, "--lock", help=f"The hashed lock to describe (default: {API_LOCK})."),
) -> None:
    """Write the CycloneDX SBOM of the API image: every locked package, its version and the sha256 of its files."""
    ctx = Context.discover()
    count = write_sbom(ctx, output, lock)
    console.print(f"{output}: {count} components from {lock or API_LOCK}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("sbom")(sbom)
