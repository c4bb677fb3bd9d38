"""`qvctl validate`: every static check in parallel, cached by content, one report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from qvctl import __version__
from qvctl.context import Context
from qvctl.exit_status import ExitStatus
from qvctl.output import OutputFormat, console, err_console, print_json, print_table

if TYPE_CHECKING:
    from qvctl.validate import Result


def _cached(result: Result) -> str:
    return f"yes ({result.first_seconds:.1f} s)" if result.cached and result.first_seconds is not None else "no"


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(
        only: list[str] = typer.Option(None, "--only", help="Run only this check (its id; repeatable)."),
        skip: list[str] = typer.Option(None, "--skip", help="Leave out this check (its id; repeatable)."),
        output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table or json."),
        sarif: Path = typer.Option(None, "--sarif", help="Also write the problems as SARIF 2.1.0 to this file."),
        no_cache: bool = typer.Option(
            False,
            "--no-cache",
            help="Run every check, even those whose inputs are unchanged since their stored result.",
        ),
        jobs: int = typer.Option(4, "--jobs", "-j", min=1, help="How many checks run at once."),
        plan: list[Path] = typer.Option(
            None,
            "--plan",
            help="A plan as JSON (terraform show -json PLANFILE) for the Terraform policies (repeatable).",
        ),
    ) -> None:
        """Run every static check (specs, lint, fmt, schemas, policy, workflows) in parallel and report once.

        A check whose inputs (files, tool versions, its own definition) are unchanged since its last
        verdict reuses it. Exit 0: all pass; 1: a check failed; 3: a tool a check needs is missing.
        """
        # Imported here: the checks pull in jsonschema's format grammar (a second of import), which
        # every other command, and each --help, would pay for.
        from qvctl.validate import checks, exit_status, run_checks, select
        from qvctl.validation.sarif import sarif_report

        ctx = Context.discover()
        plans = [p.resolve() for p in plan or []]
        every = checks(ctx, plans)
        selected = select(every, only or [], skip or [])
        if not plans:
            # Not a pass: said on every run, so nobody reads the table as "Terraform policies hold".
            err_console.print(
                "policies: terraform plan: not run (no --plan given; see terraform/README.md, Policies as code)",
                highlight=False,
            )
        results = run_checks(ctx, selected, workers=jobs, use_cache=not no_cache)
        if sarif is not None:
            sarif.write_text(json.dumps(sarif_report(ctx.root, selected, results, __version__), indent=2) + "\n")
        failed = [r for r in results if not r.ok]
        if output is OutputFormat.json:
            print_json([r.__dict__ for r in results])
        else:
            print_table(
                "static checks",
                ["id", "result", "seconds", "cached"],
                [
                    [
                        r.id,
                        "ok" if r.ok else ("MISSING TOOL" if r.missing_tool else "FAILED"),
                        f"{r.seconds:.1f}",
                        _cached(r),
                    ]
                    for r in results
                ],
            )
            for result in failed:
                console.print(f"\n[bold]{result.id}[/bold] ({result.name})", highlight=False)
                console.print(result.detail, markup=False, highlight=False)
        status = exit_status(results)
        if status is not ExitStatus.OK:
            raise typer.Exit(status)
