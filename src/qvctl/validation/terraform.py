"""`terraform validate` of each root module and `terraform test` with the mock providers, offline.

As the tests run them (tests/unit/test_terraform_static.py): a throw-away TF_DATA_DIR (never the
developer's terraform/.terraform), `-backend=false`, `-lockfile=readonly` (the committed lock file
is never rewritten), the provider mirror when the machine has one.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from qvctl.context import Context
from qvctl.terraform_mirror import terraform_environ
from qvctl.tools import require, search_path

# The root modules: the platform and the state bootstrap (modules are validated through the root).
ROOTS = ("terraform", "terraform/bootstrap")
# Plans against mocks need credentials to exist, never real ones.
_OFFLINE_AWS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "eu-west-1"}


def _environ(ctx: Context, data_dir: Path) -> dict[str, str]:
    env = terraform_environ({**ctx.environ, "PATH": search_path(ctx)}, ctx.tools_dir)
    env.update(_OFFLINE_AWS, TF_DATA_DIR=str(data_dir), TF_INPUT="0", TF_IN_AUTOMATION="1")
    env.pop("TF_LOG", None)
    return env


def _terraform(
    ctx: Context, folder: str, data_dir: Path, *args: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require(ctx, "terraform"), *args],
        cwd=ctx.root / folder,
        env=_environ(ctx, data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _init(ctx: Context, folder: str, data_dir: Path) -> str | None:
    done = _terraform(
        ctx, folder, data_dir, "init", "-input=false", "-no-color", "-lockfile=readonly", "-backend=false", timeout=300
    )
    return None if done.returncode == 0 else f"{folder}: [init] {done.stderr.strip()[-2000:]}"


def _diagnostics(folder: str, report: str) -> list[str]:
    lines = []
    for diagnostic in json.loads(report).get("diagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        where = diagnostic.get("range") or {}
        location = f"{folder}/{where['filename']}:{where['start']['line']}" if where else folder
        lines.append(f"{location}: [validate] {diagnostic.get('summary', '')}: {diagnostic.get('detail', '')}".strip())
    return lines


def validate_roots(ctx: Context) -> list[str]:
    problems: list[str] = []
    for folder in ROOTS:
        if not (ctx.root / folder).is_dir():
            problems.append(f"{folder}: [validate] does not exist")
            continue
        with tempfile.TemporaryDirectory(prefix="qv-tf-validate-") as data_dir:
            failed = _init(ctx, folder, Path(data_dir))
            if failed:
                problems.append(failed)
                continue
            # -no-tests: the test files are exercised by `terraform test`; validate's own pass over
            # run blocks that target other modules misreads their provider aliases in 1.11.
            done = _terraform(ctx, folder, Path(data_dir), "validate", "-json", "-no-tests", timeout=300)
            if done.returncode != 0:
                problems += _diagnostics(folder, done.stdout) or [f"{folder}: [validate] {done.stderr.strip()[-2000:]}"]
    return problems


def mock_tests(ctx: Context) -> list[str]:
    """`terraform test` of the root (terraform/tests/*.tftest.hcl: mock_provider "aws", no network)."""
    with tempfile.TemporaryDirectory(prefix="qv-tf-test-") as data_dir:
        failed = _init(ctx, "terraform", Path(data_dir))
        if failed:
            return [failed]
        done = _terraform(ctx, "terraform", Path(data_dir), "test", "-no-color", timeout=1800)
    if done.returncode == 0:
        return []
    failing = [line.strip() for line in done.stdout.splitlines() if line.rstrip().endswith("... fail")]
    return [f"terraform/{line.split('...')[0].strip()}: [terraform-test] fails" for line in failing] or [
        (done.stdout + done.stderr).strip()[-4000:]
    ]
