"""`qvctl validate`: every static check in parallel, one report."""

from __future__ import annotations

from pathlib import Path

import typer

from qvctl.context import Context
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, err_console, print_json, print_table
from qvctl.validate import checks, run_checks


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        only: list[str] = typer.Option(None, "--only", help="Run only checks whose name contains this (repeatable)."),
        output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
        plan: list[Path] = typer.Option(None, "--plan", help="A plan as JSON (terraform show -json PLANFILE) for "
                                        "the Terraform policies (repeatable)."),
    ) -> None:
        """Run every static check (specs, lint, fmt, schemas, policy) in parallel and report once."""
        ctx = Context.discover()
        plans = [p.resolve() for p in plan or []]
        selected = [c for c in checks(ctx, plans) if not only or any(o in c.name for o in only)]
        if not plans:
            # Not a pass: said on every run, so nobody reads the table as "Terraform policies hold".
            err_console.print("policies: terraform plan: not run (no --plan given; see terraform/README.md, "
                              "Policies as code)", highlight=False)
        results = run_checks(ctx, selected)
        failed = [r for r in results if not r.ok]
        if output is OutputFormat.json:
            print_json([r.__dict__ for r in results])
        else:
            print_table("static checks", ["check", "result", "seconds"],
                        [[r.name, "ok" if r.ok else "FAILED", f"{r.seconds:.1f}"] for r in results])
            for result in failed:
                console.print(f"\n[bold]{result.name}[/bold]")
                console.print(result.detail, markup=False, highlight=False)
        if failed:
            raise typer.Exit(ExitStatus.FAILED)
