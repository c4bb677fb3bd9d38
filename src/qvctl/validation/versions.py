"""The version of each tool a check runs, part of its cache key: a new tool may judge the same files differently.

Cheap on purpose (a warm run asks every tool): a Python package installed beside qvctl answers from
its metadata; a tool `qvctl doctor` knows answers from its own virtualenv's metadata when it has one
(Checkov takes seconds to print its version), else from its version command.
"""

from __future__ import annotations

import glob
import importlib.metadata
import threading
from pathlib import Path

from qvctl.context import Context
from qvctl.tools import TOOLS, locate, version_of

_KNOWN = {tool.name: tool for tool in TOOLS}


def _virtualenv_version(executable: str, distribution: str) -> str | None:
    """The version in `<venv>/lib/python*/site-packages/<distribution>-<version>.dist-info` beside `executable`."""
    venv = Path(executable).resolve().parent.parent
    for info in sorted(glob.glob(str(venv / "lib" / "python*" / "site-packages" / f"{distribution}-*.dist-info"))):
        return Path(info).name[len(distribution) + 1 : -len(".dist-info")]
    return None


def _version(ctx: Context, name: str) -> str | None:
    tool = _KNOWN.get(name)
    if tool is None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None
    executable = locate(ctx, tool)
    if executable is None:
        return None
    return _virtualenv_version(executable, name) or version_of(executable, tool)


class ToolVersions:
    """Each tool's version, asked once per run; None for a tool that is not installed."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._known: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def of(self, name: str) -> str | None:
        with self._lock:
            if name in self._known:
                return self._known[name]
        found = _version(self.ctx, name)
        with self._lock:
            self._known[name] = found
        return found
