"""One check of `qvctl validate`: what it runs, what its verdict depends on, and when it runs.

Its own module so the check table (qvctl.validation.table) and the runner (qvctl.validate) share it
without importing each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from qvctl.context import Context


@dataclass(frozen=True)
class Check:
    id: str  # short and stable: what --only, --skip, the cache and SARIF's rules name
    name: str
    needs: str  # the path (relative to the root) the check is about
    inputs: tuple[str, ...] = ()  # what its verdict depends on: fnmatch patterns over repository paths
    tools: tuple[str, ...] = ()  # Python packages or `qvctl doctor` tools whose version is part of the key
    command: tuple[str, ...] = ()
    cwd: str = "."
    function: Callable[[Context], list[str]] | None = None
    terraform: bool = False
    default: bool = True  # False: runs only when named by --only
    cacheable: bool = True

    def definition(self) -> str:
        """What the check does, for its cache key: a changed command or function is a new check."""
        function = None
        if self.function is not None:  # a function, or an object with __call__ (named by its class)
            named = getattr(self.function, "__qualname__", type(self.function).__qualname__)
            function = f"{self.function.__module__}.{named}"
        return json.dumps([self.id, self.command, self.cwd, function, self.inputs, self.terraform])
