"""`qvctl validate`'s plumbing: how a check finds its tool and how a failing check reads."""

from __future__ import annotations

import json
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.policy import kubernetes_policy_problems
from qvctl.monitoring import checks as monitoring
from qvctl.policies import checks as policies
from qvctl.validate import Check, checks, run_checks
from tests.conftest import ROOT, run_qvctl


def _empty_repo(tmp_path: Path) -> Context:
    (tmp_path / "terraform").mkdir()
    return Context(root=tmp_path, environ={"PATH": str(tmp_path / "no-tools")})


def test_a_missing_tool_fails_its_check_with_the_line_qvctl_doctor_prints(tmp_path: Path) -> None:
    scan = Check("checkov terraform", "terraform", command=("checkov", "-d", "."))
    (result,) = run_checks(_empty_repo(tmp_path), [scan])
    assert not result.ok
    assert result.detail.startswith("checkov is missing (policy checks of Terraform and manifests); install: ")


def test_a_check_that_raises_qverror_reports_its_message(tmp_path: Path) -> None:
    def needs_a_tool(ctx: Context) -> list[str]:
        raise QvError("checkov is missing", ExitStatus.MISSING_TOOL)

    (result,) = run_checks(_empty_repo(tmp_path), [Check("policy", "terraform", function=needs_a_tool)])
    assert (result.ok, result.detail) == (False, "checkov is missing")


def test_a_check_whose_subject_does_not_exist_fails(tmp_path: Path) -> None:
    (result,) = run_checks(_empty_repo(tmp_path), [Check("ansible-lint", "ansible", command=("ansible-lint",))])
    assert (result.ok, result.detail) == (False, "ansible does not exist yet")


def test_the_kubernetes_policy_check_is_the_one_the_tests_run() -> None:
    by_name = {check.name: check for check in checks(Context(root=ROOT, environ={}))}
    assert by_name["checkov kubernetes"].function is kubernetes_policy_problems


def test_validate_runs_the_type_check_and_the_markdown_check() -> None:
    names = {check.name for check in checks(Context(root=ROOT, environ={}))}
    assert {"type check (mypy)", "markdown links and commands"} <= names


def test_validate_runs_the_monitoring_checks() -> None:
    by_name = {check.name: check.function for check in checks(Context(root=ROOT, environ={}))}
    assert by_name["alert rules (promtool check rules)"] is monitoring.check_rules
    assert by_name["alert rule tests (promtool test rules)"] is monitoring.unit_tests
    assert by_name["alert coverage and runbooks"] is monitoring.rule_coverage
    assert by_name["prometheus config (promtool check config)"] is monitoring.check_prometheus_configs
    assert by_name["alertmanager config (amtool check-config)"] is monitoring.check_alertmanager_configs


def test_validate_runs_the_policies_and_the_secrets_scan() -> None:
    by_name = {check.name: check.function for check in checks(Context(root=ROOT, environ={}))}
    assert by_name["policies: manifests and hosts"] is policies.manifests_and_hosts
    assert by_name["secrets scan (detect-secrets)"] is policies.secrets_scan
    assert "policies: terraform plan" not in by_name, "without --plan there is no plan to judge"


def test_a_plan_given_to_validate_is_judged_and_its_violations_reported() -> None:
    failing = ROOT / "tests" / "unit" / "fixtures" / "policies" / "network_rules_fail.json"
    ctx = Context(root=ROOT, environ={})
    (check,) = [c for c in checks(ctx, [failing]) if c.name == "policies: terraform plan"]
    (result,) = run_checks(ctx, [check])
    assert not result.ok
    assert f"{failing}: module.security.aws_vpc_security_group_ingress_rule.admin_ssh[0]: [network/no-ssh]" in (
        result.detail
    )


def test_a_first_plan_with_undecided_rules_fails_validate(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    change = {"actions": ["create"], "after": {"name": "/qv/api"}, "after_unknown": {"kms_key_id": True}}
    first.write_text(json.dumps({"resource_changes": [{"address": "aws_cloudwatch_log_group.api", "mode": "managed",
                                                        "type": "aws_cloudwatch_log_group", "change": change}]}))
    problems = policies.terraform_plans([first])(Context(root=ROOT, environ={}))
    assert problems[0].startswith(f"{first}: 1 judgements undecided (values known only after apply)")
    assert "[encryption-at-rest/customer-managed-key] undecided: kms_key_id" in problems[1]


def test_validate_without_a_plan_says_the_terraform_policies_did_not_run() -> None:
    done = run_qvctl("validate", "--only", "policies: manifests", "--output", "json")
    assert done.returncode == 0, done.stderr
    assert [r["name"] for r in json.loads(done.stdout)] == ["policies: manifests and hosts"]
    assert "policies: terraform plan: not run (no --plan given" in done.stderr
