"""How commands talk to people and machines: Rich tables on a terminal, JSON with --output json."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()
# Errors go to stderr so `--output json | jq` never sees them.
err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def error(message: str) -> None:
    """One line, on stderr, no markup surprises: user data may contain [brackets]."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
