"""The pre-commit hooks: a configuration pre-commit accepts, local hooks only (nothing fetched), each
one `qvctl validate --only <check>` of a check qvctl knows, triggered by files that exist, and the
same ids listed in CONTRIBUTING.md."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from qvctl.context import Context
from qvctl.validate import checks
from tests.conftest import ROOT

CONFIG = ROOT / ".pre-commit-config.yaml"
# Every check id of `qvctl validate --only` has its hook, but the one too slow for a commit.
VALIDATE_CHECK_IDS = frozenset(check.id for check in checks(Context(root=ROOT, environ={})))
NOT_A_HOOK = {"terraform-test": "minutes of mock runs; make test runs it"}
ENTRY = re.compile(r"^\.venv/bin/qvctl validate --only (\S+)$")


def _hooks() -> list[dict[str, object]]:
    config = yaml.safe_load(CONFIG.read_text())
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def _tracked() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


def test_pre_commit_accepts_the_configuration() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(CONFIG)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_hook_is_local_and_runs_with_the_projects_own_tools() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"], "a hook repository would be fetched"
    assert {hook["language"] for hook in _hooks()} == {"system"}


def test_every_hook_runs_one_known_validate_check_under_its_own_id() -> None:
    problems = []
    for hook in _hooks():
        entry = ENTRY.match(str(hook["entry"]))
        if entry is None:
            problems.append(f"{hook['id']}: entry is not `.venv/bin/qvctl validate --only <check>`")
        elif entry.group(1) != hook["id"] or entry.group(1) not in VALIDATE_CHECK_IDS:
            problems.append(f"{hook['id']}: runs --only {entry.group(1)}, not a check id of its own")
        if hook.get("pass_filenames") is not False:
            problems.append(f"{hook['id']}: qvctl validate checks the tree, not file names")
    assert problems == []
    assert NOT_A_HOOK.keys() <= VALIDATE_CHECK_IDS
    assert {hook["id"] for hook in _hooks()} == VALIDATE_CHECK_IDS - NOT_A_HOOK.keys()


def test_every_hook_is_triggered_by_some_tracked_file() -> None:
    tracked = _tracked()
    dead = [hook["id"] for hook in _hooks() if not any(re.search(str(hook.get("files", "")), f) for f in tracked)]
    assert dead == []


def test_a_change_triggers_the_checks_that_read_it() -> None:
    def triggered(path: str) -> set[str]:
        return {str(h["id"]) for h in _hooks() if re.search(str(h.get("files", "")), path)}

    assert {"ruff", "mypy", "detect-secrets", "checkov-secrets"} <= triggered("src/qvctl/cli.py")
    assert "mypy" not in triggered("tests/unit/test_cli.py") and "ruff" in triggered("tests/unit/test_cli.py")
    assert {"terraform-fmt", "terraform-validate", "policies"} <= triggered("terraform/modules/eks/main.tf")
    assert "terraform-fmt" not in triggered("terraform/README.md")
    assert {"actionlint", "zizmor", "checkov-github-actions", "yamllint"} <= triggered(".github/workflows/drift.yml")
    assert triggered("README.md") == {"markdown", "detect-secrets", "checkov-secrets"}


def test_contributing_lists_exactly_the_hook_ids() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Pre-commit hooks", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", section, re.MULTILINE))
    assert listed == {str(hook["id"]) for hook in _hooks()}
