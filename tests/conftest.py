"""Shared fixtures: the repository root and a way to run qvctl as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def run_qvctl(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m qvctl` in a subprocess: exit codes and stderr exactly as a user sees them."""
    environ = {**os.environ, **(env or {})}
    environ.setdefault("COLUMNS", "200")
    return subprocess.run([sys.executable, "-m", "qvctl", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout, check=False)
