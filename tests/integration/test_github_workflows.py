"""The GitHub workflows cannot run here: they are linted (actionlint), audited (zizmor, offline) and
scanned (Checkov's github_actions framework), and held to the conventions the tools leave to us.

Each tool is also run on a workflow with a known flaw (a pull request's title spliced into a shell
script, actions pinned by tag), so a tool that silently checks nothing fails here too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from qvctl.context import Context
from qvctl.tools import search_path
from tests.conftest import ROOT
from tests.terraform_support import checkov_binary

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted(GITHUB.glob("actions/*/action.yml"))
# A full commit SHA and the release it is, as Dependabot and zizmor write it.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} +# v\d+\.\d+\.\d+$")
LOCAL = re.compile(r"^\$/\.github/(actions|workflows)/")

FLAWED = """\
name: flawed
on:
  pull_request:
permissions: {}
jobs:
  greet:
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


def _tool(name: str) -> str:
    found = shutil.which(name, path=search_path(Context(root=ROOT, environ=dict(os.environ))))
    assert found, f"{name} is not installed: make bootstrap (it is pinned in requirements.lock)"
    return found


def _run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "flawed.yml").write_text(FLAWED)
    return tmp_path


def test_there_are_workflows_to_check() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"pull-request.yml", "apply.yml", "release.yml", "drift.yml", "supply-chain.yml"} <= names


def test_actionlint_passes_and_catches_the_flawed_workflow(flawed: Path) -> None:
    done = _run(_tool("actionlint"), *map(str, WORKFLOWS))
    assert done.returncode == 0, done.stdout + done.stderr
    caught = _run(_tool("actionlint"), str(flawed / ".github" / "workflows" / "flawed.yml"), cwd=flawed)
    assert caught.returncode == 1 and "potentially untrusted" in caught.stdout, caught.stdout + caught.stderr


def test_zizmor_finds_nothing_and_catches_the_flawed_workflow(flawed: Path) -> None:
    done = _run(_tool("zizmor"), "--offline", "--no-progress", str(GITHUB))
    assert done.returncode == 0, done.stdout + done.stderr
    caught = _run(_tool("zizmor"), "--offline", "--no-progress", "--format", "plain", str(flawed / ".github"))
    assert caught.returncode != 0
    assert "template-injection" in caught.stdout and "unpinned-uses" in caught.stdout, caught.stdout


@pytest.mark.slow  # Checkov takes about 10 s to start
def test_checkov_passes_the_workflows_and_fails_the_flawed_one(flawed: Path) -> None:
    # One scan of both trees: Checkov's start-up is most of its time.
    shutil.copytree(GITHUB, flawed / "repository" / ".github")
    done = _run(checkov_binary(), "-d", str(flawed), "--framework", "github_actions", "--skip-download", "-o", "json")
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = {(c["check_id"], Path(c["file_path"]).name) for r in reports for c in r["results"]["failed_checks"]}
    passed = sum(r["summary"]["passed"] for r in reports)
    assert failed == {("CKV_GHA_2", "flawed.yml")}, failed
    for check in (c for r in reports for c in r["results"]["skipped_checks"]):
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) >= 40, f"{check['check_id']} in {check['file_path']} is skipped without a real reason"
    assert passed > 20 * len(WORKFLOWS), f"checkov passed only {passed} checks: is it reading the workflows?"


def _steps_and_jobs() -> list[tuple[str, dict[str, object]]]:
    found: list[tuple[str, dict[str, object]]] = []
    for path in [*WORKFLOWS, *ACTIONS]:
        document = yaml.safe_load(path.read_text())
        for job in (document.get("jobs") or {}).values():
            found.append((path.name, job))
            found += [(path.name, step) for step in job.get("steps", [])]
        found += [(path.name, step) for step in (document.get("runs") or {}).get("steps", [])]
    return found


def test_every_action_is_pinned_by_commit_with_its_release_in_a_comment() -> None:
    lines = [
        (path.name, line.split("uses:", 1)[1].strip())
        for path in [*WORKFLOWS, *ACTIONS]
        for line in path.read_text().splitlines()
        if re.match(r"^\s*(- )?uses:", line)
    ]
    assert lines, "no `uses:` found: the workflows were not read"
    loose = [f"{name}: {ref}" for name, ref in lines if not (PINNED.match(ref) or LOCAL.match(ref))]
    assert loose == []


def test_no_permission_by_default_a_timeout_on_every_job_and_no_persisted_credentials() -> None:
    problems = []
    for path in WORKFLOWS:
        document = yaml.safe_load(path.read_text())
        if document.get("permissions") != {}:
            problems.append(f"{path.name}: no top-level `permissions: {{}}`")
        for name, job in document["jobs"].items():
            if "uses" not in job and "timeout-minutes" not in job:  # a reusable call's jobs have their own
                problems.append(f"{path.name}: job {name} has no timeout-minutes")
    for name, step in _steps_and_jobs():
        uses = str(step.get("uses", ""))
        with_ = step.get("with") or {}
        if uses.startswith("actions/checkout@") and (
            not isinstance(with_, dict) or with_.get("persist-credentials") is not False
        ):
            problems.append(f"{name}: a checkout keeps the token in .git/config (persist-credentials: false)")
    assert problems == []
