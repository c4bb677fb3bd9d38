"""`qvctl validate`'s table in this process: each check's verdict, and whether it came from the cache."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from qvctl.cli import app


def test_the_table_says_which_verdict_came_from_the_cache_and_how_long_it_first_took(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "environments").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "README.md").write_text("# Project\n\nSee [gone](docs/gone.md).\n")
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)  # the markdown check reads what git tracks
    env = {"QV_ROOT": str(tmp_path), "COLUMNS": "200"}
    first, again = (CliRunner().invoke(app, ["validate", "--only", "markdown"], env=env) for _ in range(2))
    assert (first.exit_code, again.exit_code) == (1, 1), first.output
    row = re.compile(r"markdown\s+\S\s*FAILED\s+\S\s*[\d.]+\s+\S\s*(?P<cached>no|yes \(\d+\.\d s\))")
    rows = [row.search(done.output) for done in (first, again)]
    assert [m.group("cached")[:3] if m else None for m in rows] == ["no", "yes"], first.output + again.output
    assert "README.md:3: link to docs/gone.md: docs/gone.md does not exist" in again.output
