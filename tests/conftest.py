"""Shared fixtures: the repository root and a way to run qvctl as a user would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto() -> Iterator[int]:
    """A moto server of the test's own on a free loopback port (never the platform's 5000)."""
    from moto.server import ThreadedMotoServer

    from qvctl.platform import emulator

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    emulator.wait_ready("127.0.0.1", port, "us-east-1", timeout=20)
    # Servers started in one pytest process share moto's in-memory backends: start empty.
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"),
                           timeout=10).close()
    yield port
    server.stop()
