"""`qvctl validate`: how a check finds its tool, how a failing check reads, what is cached, and the report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.policy import kubernetes_policy_problems
from qvctl.monitoring import checks as monitoring
from qvctl.policies import checks as policies
from qvctl.validate import Check, Result, checks, exit_status, run_checks, select
from qvctl.validation.sarif import sarif_report
from tests.conftest import ROOT, run_qvctl
from tests.terraform_support import checkov_binary

WORKFLOW_FIXTURES = ROOT / "tests" / "unit" / "fixtures" / "workflows"


def _empty_repo(tmp_path: Path) -> Context:
    (tmp_path / "terraform").mkdir()
    return Context(root=tmp_path, environ={"PATH": str(tmp_path / "no-tools")})


def _by_id(ctx: Context) -> dict[str, Check]:
    return {check.id: check for check in checks(ctx)}


def _run_one(ctx: Context, check_id: str) -> tuple[bool, str]:
    (result,) = run_checks(ctx, [_by_id(ctx)[check_id]])
    return result.ok, result.detail


def test_a_missing_tool_fails_its_check_with_the_line_qvctl_doctor_prints(tmp_path: Path) -> None:
    scan = Check("checkov-terraform", "checkov terraform", "terraform", command=("checkov", "-d", "."))
    (result,) = run_checks(_empty_repo(tmp_path), [scan])
    assert not result.ok and result.missing_tool
    assert result.detail.startswith("checkov is missing (policy checks of Terraform and manifests); install: ")
    assert exit_status([result]) is ExitStatus.MISSING_TOOL


def test_a_check_that_raises_qverror_reports_its_message(tmp_path: Path) -> None:
    def needs_a_tool(ctx: Context) -> list[str]:
        raise QvError("checkov is missing", ExitStatus.MISSING_TOOL)

    (result,) = run_checks(_empty_repo(tmp_path), [Check("policy", "policy", "terraform", function=needs_a_tool)])
    assert (result.ok, result.detail, result.missing_tool) == (False, "checkov is missing", True)


def test_a_check_whose_subject_does_not_exist_fails(tmp_path: Path) -> None:
    lint = Check("ansible-lint", "ansible-lint", "ansible", command=("ansible-lint",))
    (result,) = run_checks(_empty_repo(tmp_path), [lint])
    assert (result.ok, result.detail) == (False, "ansible does not exist yet")
    assert exit_status([result]) is ExitStatus.FAILED


def test_the_workflow_checks_fail_until_the_workflows_exist(tmp_path: Path) -> None:
    ctx = _empty_repo(tmp_path)
    results = run_checks(ctx, select(checks(ctx), ["actionlint", "zizmor", "checkov-github-actions"], []))
    assert [(r.ok, r.detail) for r in results] == [(False, ".github/workflows does not exist yet")] * 3


def test_every_check_has_a_unique_id_and_declares_its_inputs() -> None:
    every = checks(Context(root=ROOT, environ={}))
    assert len({c.id for c in every}) == len(every)
    assert [c.id for c in every if not c.inputs] == []


def test_the_kubernetes_policy_check_is_the_one_the_tests_run() -> None:
    assert _by_id(Context(root=ROOT, environ={}))["checkov-kubernetes"].function is kubernetes_policy_problems


def test_validate_runs_the_monitoring_checks() -> None:
    by_id = {c.id: c.function for c in checks(Context(root=ROOT, environ={}))}
    assert by_id["promtool-rules"] is monitoring.check_rules
    assert by_id["promtool-tests"] is monitoring.unit_tests
    assert by_id["alert-coverage"] is monitoring.rule_coverage
    assert by_id["prometheus-config"] is monitoring.check_prometheus_configs
    assert by_id["alertmanager-config"] is monitoring.check_alertmanager_configs


def test_validate_runs_the_policies_and_the_secrets_scan() -> None:
    by_id = {c.id: c.function for c in checks(Context(root=ROOT, environ={}))}
    assert by_id["policies"] is policies.manifests_and_hosts
    assert by_id["detect-secrets"] is policies.secrets_scan
    assert "plan-policies" not in by_id, "without --plan there is no plan to judge"


# --- selection ----------------------------------------------------------------------------------


def test_only_and_skip_select_by_id_and_the_slow_terraform_test_runs_only_when_named() -> None:
    every = checks(Context(root=ROOT, environ={}))
    default = [c.id for c in select(every, [], [])]
    assert "terraform-test" not in default and "terraform-validate" in default
    assert [c.id for c in select(every, ["terraform-test", "ruff"], [])] == ["ruff", "terraform-test"]
    assert "mypy" not in [c.id for c in select(every, [], ["mypy"])]


def test_an_unknown_check_id_is_an_input_error_listing_the_valid_ones() -> None:
    with pytest.raises(QvError) as raised:
        select(checks(Context(root=ROOT, environ={})), ["ruf"], [])
    assert raised.value.status is ExitStatus.INVALID_INPUT
    assert raised.value.message.startswith("unknown check ruf; valid checks: specs, ruff, mypy, ")


def test_validate_with_an_unknown_id_exits_2_with_one_line() -> None:
    done = run_qvctl("validate", "--skip", "no-such-check")
    assert done.returncode == ExitStatus.INVALID_INPUT
    assert done.stderr.strip().startswith("error: unknown check no-such-check; valid checks: specs, ")
    assert len(done.stderr.strip().splitlines()) <= 2  # the plan note and the error


# --- the cache ----------------------------------------------------------------------------------


class Counting:
    """A check function that counts its runs and fails while `fail` is set."""

    def __init__(self, message: str = "notes.txt:2: [rule] wrong") -> None:
        self.runs = 0
        self.fail = True
        self.message = message

    def __call__(self, ctx: Context) -> list[str]:
        self.runs += 1
        return [self.message] if self.fail else []


def _cached_repo(tmp_path: Path) -> Context:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("one\n")
    (tmp_path / "b.txt").write_text("other\n")
    return Context(root=tmp_path, environ={})


def test_an_unchanged_input_reuses_the_verdict_and_a_changed_one_runs_only_its_check(tmp_path: Path) -> None:
    ctx = _cached_repo(tmp_path)
    on_a, on_b = Counting(), Counting()
    selected = [
        Check("on-a", "reads a", "a", ("a/*",), function=on_a),
        Check("on-b", "reads b", "b.txt", ("b.txt",), function=on_b),
    ]
    first = run_checks(ctx, selected, use_cache=True)
    again = run_checks(ctx, selected, use_cache=True)
    assert (on_a.runs, on_b.runs) == (1, 1)
    assert [(r.cached, r.ok, r.detail) for r in again] == [(True, False, "notes.txt:2: [rule] wrong")] * 2
    assert again[0].first_seconds == pytest.approx(first[0].seconds)

    on_a.fail = False
    (tmp_path / "a" / "notes.txt").write_text("two\n")
    changed = run_checks(ctx, selected, use_cache=True)
    assert (on_a.runs, on_b.runs) == (2, 1)
    assert [(r.cached, r.ok) for r in changed] == [(False, True), (True, False)]


def test_a_new_file_among_the_inputs_runs_the_check_again(tmp_path: Path) -> None:
    ctx = _cached_repo(tmp_path)
    on_a = Counting()
    selected = [Check("on-a", "reads a", "a", ("a/*",), function=on_a)]
    run_checks(ctx, selected, use_cache=True)
    (tmp_path / "a" / "more.txt").write_text("new\n")
    run_checks(ctx, selected, use_cache=True)
    assert on_a.runs == 2


def test_a_changed_check_definition_runs_again(tmp_path: Path) -> None:
    ctx = _cached_repo(tmp_path)
    on_a = Counting()
    run_checks(ctx, [Check("on-a", "reads a", "a", ("a/*",), function=on_a)], use_cache=True)
    run_checks(ctx, [Check("on-a", "reads a", "a", ("a/*", "b.txt"), function=on_a)], use_cache=True)
    assert on_a.runs == 2


def test_without_the_cache_every_check_runs(tmp_path: Path) -> None:
    ctx = _cached_repo(tmp_path)
    on_a = Counting()
    selected = [Check("on-a", "reads a", "a", ("a/*",), function=on_a)]
    run_checks(ctx, selected, use_cache=True)
    (result,) = run_checks(ctx, selected, use_cache=False)
    assert on_a.runs == 2 and not result.cached


def test_a_missing_tool_is_never_cached(tmp_path: Path) -> None:
    ctx = _cached_repo(tmp_path)
    runs: list[int] = []

    def missing(ctx: Context) -> list[str]:
        runs.append(1)
        raise QvError("promtool is missing", ExitStatus.MISSING_TOOL)

    selected = [Check("needs-tool", "needs a tool", "a", ("a/*",), function=missing)]
    for _ in range(2):
        (result,) = run_checks(ctx, selected, use_cache=True)
        assert (result.cached, result.missing_tool) == (False, True)
    assert len(runs) == 2


def test_a_check_whose_tool_has_no_version_is_run_not_looked_up(tmp_path: Path) -> None:
    ctx = _cached_repo(tmp_path)
    on_a = Counting()
    selected = [Check("on-a", "reads a", "a", ("a/*",), ("no-such-distribution-anywhere",), function=on_a)]
    run_checks(ctx, selected, use_cache=True)
    run_checks(ctx, selected, use_cache=True)
    assert on_a.runs == 2


# --- failing fixtures: each names the file and the rule -----------------------------------------


def _copy(tmp_path: Path, *parts: str) -> Context:
    for part in parts:
        source, target = ROOT / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return Context(root=tmp_path, environ=dict(os.environ))


def test_a_policy_violation_fails_validate_naming_the_file_and_the_rule(tmp_path: Path) -> None:
    ctx = _copy(tmp_path, "kubernetes/dev", "ansible/roles/patroni/templates/patroni.yml.j2")
    assert _run_one(ctx, "policies") == (True, "")
    ingress = tmp_path / "kubernetes" / "dev" / "80-ingress.yaml"
    ingress.write_text(ingress.read_text().replace("force-ssl-redirect: 'true'", "force-ssl-redirect: 'false'"))
    ok, detail = _run_one(ctx, "policies")
    assert not ok
    assert "kubernetes/dev/80-ingress.yaml: " in detail
    assert "[encryption-in-transit/ingress-https-only] does not force HTTPS" in detail


def test_a_stale_render_fails_validate_naming_the_file(tmp_path: Path) -> None:
    ctx = _copy(tmp_path, "environments", "kubernetes/dev", "kubernetes/staging", "kubernetes/prod", "monitoring")
    assert _run_one(ctx, "render-check") == (True, "")
    edited = tmp_path / "kubernetes" / "dev" / "80-ingress.yaml"
    edited.write_text(edited.read_text() + "# edited by hand\n")
    assert _run_one(ctx, "render-check") == (
        False,
        "kubernetes/dev/80-ingress.yaml: [stale] differs from a fresh render; run `qvctl render`",
    )


def _with_workflow(tmp_path: Path, fixture: str) -> Context:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    shutil.copy2(WORKFLOW_FIXTURES / fixture, folder / "ci.yml")
    return Context(root=tmp_path, environ=dict(os.environ))


def test_a_good_workflow_passes_actionlint_and_zizmor(tmp_path: Path) -> None:
    ctx = _with_workflow(tmp_path, "good.yml")
    assert [_run_one(ctx, "actionlint"), _run_one(ctx, "zizmor")] == [(True, "")] * 2


def test_a_bad_workflow_fails_actionlint_naming_the_file_line_and_rule(tmp_path: Path) -> None:
    ok, detail = _run_one(_with_workflow(tmp_path, "bad.yml"), "actionlint")
    assert not ok
    assert detail.startswith(".github/workflows/ci.yml:13:")
    assert detail.endswith("[expression]") and "potentially untrusted" in detail


def test_a_bad_workflow_fails_zizmor_naming_the_file_line_and_rule(tmp_path: Path) -> None:
    ok, detail = _run_one(_with_workflow(tmp_path, "bad.yml"), "zizmor")
    assert not ok
    assert detail.startswith(".github/workflows/ci.yml:13:")
    assert "[template-injection]" in detail


def test_a_bad_workflow_fails_checkov_naming_the_file_line_and_policy(tmp_path: Path) -> None:
    ctx = _with_workflow(tmp_path, "bad.yml")
    # Checkov lives in the repository's own .tools/checkov, not in the copy.
    ctx = Context(
        root=ctx.root, environ={**ctx.environ, "PATH": f"{Path(checkov_binary()).parent}:{os.environ['PATH']}"}
    )
    ok, detail = _run_one(ctx, "checkov-github-actions")
    assert not ok
    assert detail.startswith(".github/workflows/ci.yml:12: [CKV_GHA_2] Ensure run commands are not vulnerable")


def _git_repository(tmp_path: Path, readme: str) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "environments").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    (tmp_path / "README.md").write_text(readme)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    return tmp_path


def test_a_broken_doc_link_fails_validate_with_its_file_line_and_a_sarif_result_then_from_the_cache(
    tmp_path: Path,
) -> None:
    root = _git_repository(
        tmp_path / "repo", "# Project\n\nSee [the guide](docs/guide.md).\nAnd [gone](docs/gone.md).\n"
    )
    sarif = tmp_path / "report.sarif"  # outside the repository: a new file there is a new input
    runs = [
        run_qvctl(
            "validate", "--only", "markdown", "--sarif", str(sarif), "--output", "json", env={"QV_ROOT": str(root)}
        )
        for _ in range(2)
    ]
    assert [done.returncode for done in runs] == [ExitStatus.FAILED] * 2, runs[0].stderr
    first, again = (json.loads(done.stdout)[0] for done in runs)
    assert first["detail"] == "README.md:4: link to docs/gone.md: docs/gone.md does not exist"
    assert (first["cached"], again["cached"], again["detail"]) == (False, True, first["detail"])
    (run,) = json.loads(sarif.read_text())["runs"]
    (finding,) = run["results"]
    assert finding["ruleId"] == "markdown"
    assert finding["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "README.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4},
    }


# --- SARIF --------------------------------------------------------------------------------------


def test_sarif_locates_problems_that_name_a_file_and_keeps_the_others_unlocated(tmp_path: Path) -> None:
    (tmp_path / "ansible").mkdir()
    (tmp_path / "ansible" / "main.yml").write_text("- hosts: all\n")
    lint = Check("ansible-lint", "ansible-lint", "ansible", ("ansible/*",), command=("ansible-lint",), cwd="ansible")
    failed = Result("ansible-lint", "ansible-lint", False, 1.0, "main.yml:1:3: [name] play has no name\nFailed: 1")
    report = sarif_report(tmp_path, [lint], [failed], "0.1.0")
    assert report["version"] == "2.1.0"
    (run,) = report["runs"]
    assert run["tool"]["driver"]["rules"] == [
        {"id": "ansible-lint", "name": "ansible-lint", "shortDescription": {"text": "ansible-lint"}}
    ]
    located, unlocated = run["results"]
    assert located["message"]["text"] == "[name] play has no name"
    assert located["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "ansible/main.yml"
    assert located["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 3}
    assert "locations" not in unlocated and unlocated["message"]["text"] == "Failed: 1"


# --- plans --------------------------------------------------------------------------------------


def test_a_plan_given_to_validate_is_judged_and_its_violations_reported() -> None:
    failing = ROOT / "tests" / "unit" / "fixtures" / "policies" / "network_rules_fail.json"
    ctx = Context(root=ROOT, environ={})
    (check,) = [c for c in checks(ctx, [failing]) if c.id == "plan-policies"]
    (result,) = run_checks(ctx, [check])
    assert not result.ok
    assert f"{failing}: module.security.aws_vpc_security_group_ingress_rule.admin_ssh[0]: [network/no-ssh]" in (
        result.detail
    )


def test_a_first_plan_with_undecided_rules_fails_validate(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    change = {"actions": ["create"], "after": {"name": "/qv/api"}, "after_unknown": {"kms_key_id": True}}
    first.write_text(
        json.dumps(
            {
                "resource_changes": [
                    {
                        "address": "aws_cloudwatch_log_group.api",
                        "mode": "managed",
                        "type": "aws_cloudwatch_log_group",
                        "change": change,
                    }
                ]
            }
        )
    )
    problems = policies.terraform_plans([first])(Context(root=ROOT, environ={}))
    assert problems[0].startswith(f"{first}: 1 judgements undecided (values known only after apply)")
    assert "[encryption-at-rest/customer-managed-key] undecided: kms_key_id" in problems[1]


def test_validate_without_a_plan_says_the_terraform_policies_did_not_run(tmp_path: Path) -> None:
    done = run_qvctl("validate", "--only", "policies", "--no-cache", "--output", "json")
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)] == ["policies"]
    assert "policies: terraform plan: not run (no --plan given" in done.stderr


def test_checkov_secret_findings_reviewed_in_the_baseline_are_left_out_and_others_kept(tmp_path: Path) -> None:
    from qvctl.validation.checkov import findings, reviewed_secrets

    (tmp_path / ".secrets.baseline").write_text(json.dumps({"results": {
        "a.yaml": [{"hashed_secret": "reviewed", "is_secret": False}, {"hashed_secret": "real", "is_secret": True}],
    }}))
    report = json.dumps({"results": {"failed_checks": [
        {"check_id": "CKV_SECRET_6", "repo_file_path": "/a.yaml", "file_line_range": [3, 3], "resource": sha}
        for sha in ("reviewed", "real", "unknown")]}})
    reviewed = reviewed_secrets(tmp_path)
    assert reviewed == {("a.yaml", "reviewed")}
    assert [line.split("(")[-1] for line in findings(report, reviewed)] == ["real)", "unknown)"]
    assert len(findings(report)) == 3
