"""`qvctl validate`'s plumbing: how a check finds its tool and how a failing check reads."""

from __future__ import annotations

from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.policy import kubernetes_policy_problems
from qvctl.monitoring import checks as monitoring
from qvctl.validate import Check, checks, run_checks
from tests.conftest import ROOT


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
