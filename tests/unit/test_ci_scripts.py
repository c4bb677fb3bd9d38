"""The workflows' GitHub side (scripts/ci/*.sh) against a fake `gh`: one plan comment per pull
request, edited rather than repeated, and one drift issue per environment, opened, updated, closed."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

FAKE_GH = Path(__file__).parent / "fixtures" / "fake_gh.py"
MARKER = "<!-- qvctl-plan-summary -->"
BOT = "github-actions[bot]"


class GitHub:
    """The fake's state file, and the scripts run with the fake first on the PATH."""

    def __init__(self, tmp_path: Path) -> None:
        self.state_file = tmp_path / "github.json"
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        (self.bin / "gh").symlink_to(FAKE_GH)
        self.save({"comments": [], "issues": [], "calls": []})

    def save(self, state: dict[str, object]) -> None:
        self.state_file.write_text(json.dumps(state))

    @property
    def state(self) -> dict[str, list[dict[str, object]]]:
        loaded: dict[str, list[dict[str, object]]] = json.loads(self.state_file.read_text())
        return loaded

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.bin}:{os.environ['PATH']}",
            "FAKE_GH_STATE": str(self.state_file),
            "GH_TOKEN": "fake",
            "GITHUB_REPOSITORY": "quantumvest/infrastructure",
            "GH_REPO": "quantumvest/infrastructure",
            "PR_NUMBER": "7",
            "RUN_URL": "https://github.example/runs/1",
        }
        return subprocess.run(
            [str(ROOT / "scripts" / "ci" / script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def github(tmp_path: Path) -> GitHub:
    return GitHub(tmp_path)


def _summaries(tmp_path: Path, **by_env: str) -> Path:
    folder = tmp_path / "summaries"
    folder.mkdir(exist_ok=True)
    for env, text in by_env.items():
        (folder / f"{env}.md").write_text(text)
    return folder


def test_the_plan_comment_is_posted_once_then_edited_in_place(github: GitHub, tmp_path: Path) -> None:
    folder = _summaries(tmp_path, dev="dev: 2 to add", prod="prod: no changes")
    first = github.run("plan-comment.sh", str(folder), "dev", "staging", "prod")
    assert first.returncode == 0, first.stderr
    [comment] = github.state["comments"]
    body = str(comment["body"])
    assert body.startswith(MARKER)
    assert "## dev\n\ndev: 2 to add" in body and "## prod\n\nprod: no changes" in body
    assert "## staging\n\nNo summary: the plan of staging failed or did not run" in body

    _summaries(tmp_path, dev="dev: 3 to add")
    second = github.run("plan-comment.sh", str(folder), "dev", "staging", "prod")
    assert second.returncode == 0, second.stderr
    [edited] = github.state["comments"]
    assert edited["id"] == comment["id"] and "dev: 3 to add" in str(edited["body"])


def test_only_the_bots_own_marked_comment_is_edited(github: GitHub, tmp_path: Path) -> None:
    # A person quoting the marker, and a bot comment that merely mentions it, are left alone.
    github.save(
        {
            "calls": [],
            "issues": [],
            "comments": [
                {"id": 1, "user": {"login": "reviewer"}, "body": f"{MARKER} quoted"},
                {"id": 2, "user": {"login": BOT}, "body": f"another bot comment naming {MARKER}"},
            ],
        }
    )
    done = github.run("plan-comment.sh", str(_summaries(tmp_path, dev="x")), "dev")
    assert done.returncode == 0, done.stderr
    comments = github.state["comments"]
    assert [c["body"] for c in comments[:2]] == [f"{MARKER} quoted", f"another bot comment naming {MARKER}"]
    assert len(comments) == 3 and str(comments[2]["body"]).startswith(MARKER)


def test_an_oversized_plan_comment_is_cut_below_githubs_limit(github: GitHub, tmp_path: Path) -> None:
    done = github.run("plan-comment.sh", str(_summaries(tmp_path, prod="~" * 70000)), "prod")
    assert done.returncode == 0, done.stderr
    body = str(github.state["comments"][0]["body"])
    assert len(body) < 65536 and body.endswith("(truncated: the full summaries are artifacts of the run)\n")


def _issues(github: GitHub) -> list[dict[str, object]]:
    return github.state["issues"]


def test_drift_opens_one_issue_then_comments_on_it(github: GitHub, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("aws_s3_bucket.backups  tags.owner: platform -> someone")
    assert github.run("drift-issue.sh", "dev", "2", str(report)).returncode == 0
    [opened] = _issues(github)
    assert opened["title"] == "Drift in dev" and "tags.owner: platform -> someone" in str(opened["body"])

    report.write_text("db-1  /etc/patroni.yml: ttl 10 -> 30")
    assert github.run("drift-issue.sh", "dev", "2", str(report)).returncode == 0
    [same] = _issues(github)
    assert same["number"] == opened["number"] and "ttl 10 -> 30" in str(same["comments"])

    assert github.run("drift-issue.sh", "staging", "2", str(report)).returncode == 0
    assert [i["title"] for i in _issues(github)] == ["Drift in dev", "Drift in staging"]


def test_no_drift_closes_the_open_issue_and_a_failed_check_files_nothing(github: GitHub, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("drifted")
    github.run("drift-issue.sh", "prod", "2", str(report))
    failed = github.run("drift-issue.sh", "prod", "1", str(report))
    assert failed.returncode == 0 and "the check failed, nothing filed" in failed.stderr
    assert _issues(github)[0]["state"] == "open" and _issues(github)[0]["comments"] == []

    assert github.run("drift-issue.sh", "prod", "0", str(report)).returncode == 0
    [closed] = _issues(github)
    assert closed["state"] == "closed" and "No drift in prod any more" in str(closed["comments"])
    assert github.run("drift-issue.sh", "prod", "0", str(report)).returncode == 0
    assert len(_issues(github)) == 1


def test_an_environment_name_that_would_reach_jq_is_refused(github: GitHub, tmp_path: Path) -> None:
    done = github.run("drift-issue.sh", 'dev" or true', "2", str(tmp_path / "none"))
    assert done.returncode == 2 and "not an environment name" in done.stderr
    assert github.state["calls"] == []
