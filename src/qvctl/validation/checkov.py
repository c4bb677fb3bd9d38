"""Checkov over one framework of the repository, each failed policy on one line with its file and line.

`--output json` rather than the text report: the file and line of every finding reach the table
and the SARIF file. Manifests have their own scan (qvctl.kubernetes.policy: Rollouts as Deployments).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qvctl.context import Context
from qvctl.tools import require, search_path

TIMEOUT_SECONDS = 900
# Folders no framework should read: tool state and virtualenvs (git ignores them too).
_SKIP_PATHS = (".venv", ".tools", ".qv", ".terraform", "node_modules")


def _reports(output: str) -> list[dict[str, Any]]:
    data = json.loads(output)
    return data if isinstance(data, list) else [data]


def reviewed_secrets(root: Path) -> frozenset[tuple[str, str]]:
    """(file, hashed secret) of every finding .secrets.baseline records as reviewed and no secret.

    Checkov's secrets framework runs detect-secrets' plugins and names a finding by the same SHA-1
    (its `resource`), so one reviewed baseline answers for both scanners.
    """
    baseline = root / ".secrets.baseline"
    if not baseline.is_file():
        return frozenset()
    results = json.loads(baseline.read_text()).get("results", {})
    return frozenset(
        (name, entry["hashed_secret"])
        for name, entries in results.items()
        for entry in entries
        if entry.get("is_secret") is False
    )


def findings(output: str, reviewed: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """`path:line: [CHECK_ID] name (resource)` for every failed check of a `checkov -o json` report,
    but the (file, resource) pairs reviewed as harmless."""
    lines: list[str] = []
    for report in _reports(output):
        results = report.get("results") or {}
        for failed in results.get("failed_checks") or []:
            # repo_file_path: relative to the folder Checkov runs in (the root), whatever -d or -f said.
            path = str(failed.get("repo_file_path") or failed.get("file_path", "")).lstrip("/")
            if (path, str(failed.get("resource", ""))) in reviewed:
                continue
            first_line = (failed.get("file_line_range") or [0])[0]
            where = f"{path}:{first_line}" if first_line else path
            lines.append(
                f"{where}: [{failed['check_id']}] {failed.get('check_name', '')} ({failed.get('resource', '')})"
            )
        lines.extend(
            f"{error}: [parsing-error] Checkov could not parse it" for error in results.get("parsing_errors") or []
        )
    return lines


class _Scan:
    """A check: Checkov's `framework` over `targets` (`-d folder` or `-f file`, relative to the root).

    A class rather than a closure: the table builds every scan, but only running one runs Checkov.
    """

    def __init__(self, framework: str, targets: tuple[str, ...]) -> None:
        self.framework = framework
        self.targets = targets
        # Check.definition names a function by its __qualname__: each scan its own, so a changed
        # framework or target is a new cache key.
        self.__qualname__ = f"checkov.scan({framework}, {' '.join(targets)})"

    def __call__(self, ctx: Context) -> list[str]:
        command = [
            require(ctx, "checkov"),
            "--skip-download",
            "--quiet",
            "--output",
            "json",
            "--framework",
            self.framework,
            *self.targets,
        ]
        for skipped in _SKIP_PATHS:
            command += ["--skip-path", skipped]
        done = subprocess.run(
            command,
            cwd=ctx.root,
            env={**ctx.environ, "PATH": search_path(ctx)},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode not in (0, 1):
            return [f"checkov failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}"]
        if not done.stdout.strip():
            return []
        try:
            reviewed = reviewed_secrets(ctx.root) if self.framework == "secrets" else frozenset()
            return findings(done.stdout, reviewed)
        except (ValueError, KeyError) as err:
            return [f"checkov's report could not be read ({err}): {done.stdout.strip()[:500]}"]


def scan(framework: str, *targets: str) -> Callable[[Context], list[str]]:
    """A check: Checkov's `framework` over `targets` (`-d folder` or `-f file`, relative to the root)."""
    return _Scan(framework, targets)
