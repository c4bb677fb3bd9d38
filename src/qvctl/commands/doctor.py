"""`qvctl doctor`: which external tools qvctl drives are here, their versions, how to get the rest."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import typer

from qvctl.context import Context
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, print_json, print_table
from qvctl.terraform_mirror import find_mirror, mirror_versions
from qvctl.tools import TOOLS, Tool, locate, version_of


def _probe(ctx: Context, tool: Tool) -> dict[str, str | None]:
    path = locate(ctx, tool)
    return {
        "tool": tool.name,
        "status": "found" if path else "missing",
        "version": version_of(path, tool) if path else None,
        "path": path,
        "purpose": tool.purpose,
        "install": tool.install,
    }


def _provider_source(ctx: Context) -> dict[str, str | None]:
    mirror = find_mirror(ctx.environ)
    if mirror is not None:
        versions = ", ".join(mirror_versions(mirror))
        return {"tool": "terraform-provider-aws", "status": "found", "version": versions, "path": str(mirror),
                "purpose": "Terraform's AWS provider, from a local filesystem mirror",
                "install": "nothing to do"}
    return {"tool": "terraform-provider-aws", "status": "registry", "version": None, "path": None,
            "purpose": "Terraform's AWS provider; no local mirror, so `terraform init` downloads it",
            "install": "needs network access to the Terraform registry, or set TF_PLUGIN_MIRROR to a mirror folder"}


def run_doctor(ctx: Context) -> list[dict[str, str | None]]:
    # Version probes spawn a process each; in parallel the whole check takes about one probe's time.
    with ThreadPoolExecutor(max_workers=8) as pool:
        rows = list(pool.map(lambda tool: _probe(ctx, tool), TOOLS))
    rows.insert(1, _provider_source(ctx))
    return rows


def register(app: typer.Typer) -> None:
    @app.command("doctor")
    def doctor(
        output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
    ) -> None:
        """List each external tool the project drives: found or missing, version, install command."""
        ctx = Context.discover()
        rows = run_doctor(ctx)
        missing = [r for r in rows if r["status"] == "missing"]
        if output is OutputFormat.json:
            print_json(rows)
        else:
            print_table(
                "tools qvctl drives",
                ["tool", "status", "version", "what for / how to install"],
                [[r["tool"], r["status"], r["version"] or "-",
                  r["purpose"] if r["status"] == "found" else f"{r['purpose']}; install: {r['install']}"]
                 for r in rows],
            )
            if missing:
                console.print(f"{len(missing)} missing: " + ", ".join(str(r["tool"]) for r in missing), highlight=False)
            else:
                console.print("all tools found", highlight=False)
        if missing:
            raise typer.Exit(ExitStatus.MISSING_TOOL)
