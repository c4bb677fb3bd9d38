"""The monitoring checks of `qvctl validate`: they pass on the repository, and each fails, naming
what is wrong, on a copy broken the way a change could break it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qvctl.context import Context
from qvctl.monitoring import checks
from tests.conftest import ROOT

CHECKS: dict[str, Callable[[Context], list[str]]] = {
    "check rules": checks.check_rules,
    "test rules": checks.unit_tests,
    "coverage": checks.rule_coverage,
    "prometheus config": checks.check_prometheus_configs,
    "alertmanager config": checks.check_alertmanager_configs,
}


@pytest.mark.parametrize("name", CHECKS)
def test_every_monitoring_check_passes_on_the_repository(name: str) -> None:
    assert CHECKS[name](Context(root=ROOT, environ=dict(os.environ))) == []


@pytest.fixture
def copy(tmp_path: Path) -> Context:
    """What the checks read: monitoring/ and the runbooks."""
    shutil.copytree(ROOT / "monitoring", tmp_path / "monitoring")
    shutil.copytree(ROOT / "docs" / "runbooks", tmp_path / "docs" / "runbooks")
    return Context(root=tmp_path, environ=dict(os.environ))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}: adjust the test"
    path.write_text(text.replace(old, new))


def test_an_alert_without_tests_fails_coverage_naming_it(copy: Context) -> None:
    (copy.root / "monitoring" / "tests" / "redis.test.yml").unlink()
    problems = checks.rule_coverage(copy)
    assert [p for p in problems if "RedisDown" in p] == [
        "monitoring/alerts/redis.alerts.yml: RedisDown has no test case where it fires (monitoring/tests/: an "
        "alert_rule_test with exp_alerts, in a file that loads the alert)",
        "monitoring/alerts/redis.alerts.yml: RedisDown has no test case where it does not fire (monitoring/tests/: "
        "an alert_rule_test with `exp_alerts: []`, in a file that loads the alert)",
    ]
    assert all("RedisDown" in p for p in problems), problems


def test_a_quiet_case_counts_only_where_the_alert_is_loaded(copy: Context) -> None:
    """An `exp_alerts: []` for an alert its test file does not load passes whatever the alert does."""
    tests = copy.root / "monitoring" / "tests"
    _edit(tests / "edge.test.yml", "      - eval_time: 1m\n        alertname: NginxDown\n",
          "      - eval_time: 1m\n        alertname: RedisDown\n        exp_alerts: []\n"
          "      - eval_time: 1m\n        alertname: NginxDown\n")
    _edit(tests / "redis.test.yml", "      - eval_time: 1m\n        alertname: RedisDown\n        exp_alerts: []\n", "")
    _edit(tests / "redis.test.yml", "      - eval_time: 4m\n        alertname: RedisDown\n        exp_alerts: []\n", "")
    problems = checks.rule_coverage(copy)
    assert any(p.startswith("monitoring/alerts/redis.alerts.yml: RedisDown has no test case where it does not fire")
               for p in problems), problems
    assert not any("where it fires" in p for p in problems), problems


def test_a_runbook_url_to_a_missing_heading_fails_naming_it(copy: Context) -> None:
    _edit(copy.root / "monitoring" / "alerts" / "redis.alerts.yml", "alerts-redis.md#redisdown",
          "alerts-redis.md#redis-is-down")
    assert checks.rule_coverage(copy) == [
        "monitoring/alerts/redis.alerts.yml: RedisDown: runbook_url docs/runbooks/alerts-redis.md#redis-is-down: "
        "docs/runbooks/alerts-redis.md has no heading with the anchor #redis-is-down"]


def test_a_runbook_outside_docs_runbooks_fails(copy: Context) -> None:
    _edit(copy.root / "monitoring" / "alerts" / "redis.alerts.yml", "docs/runbooks/alerts-redis.md#redisdown",
          "https://wiki.example.com/redis")
    assert checks.rule_coverage(copy) == [
        "monitoring/alerts/redis.alerts.yml: RedisDown: runbook_url https://wiki.example.com/redis is not a runbook "
        "of docs/runbooks/ (a repository-relative path to a .md file)"]


def test_an_alert_without_severity_or_summary_fails(copy: Context) -> None:
    alerts = copy.root / "monitoring" / "alerts" / "redis.alerts.yml"
    _edit(alerts, "          severity: warning\n", "          severity: page\n")
    _edit(alerts, "          summary: Redis on {{ $labels.instance_host }} is down.\n", "")
    assert checks.rule_coverage(copy) == [
        "monitoring/alerts/redis.alerts.yml: RedisDown: label severity is 'page', not one of critical, warning, info",
        "monitoring/alerts/redis.alerts.yml: RedisDown: no summary annotation",
    ]


def test_two_rule_files_with_one_name_fail(copy: Context) -> None:
    shutil.copy(copy.root / "monitoring" / "alerts" / "redis.alerts.yml",
                copy.root / "monitoring" / "generated" / "local" / "rules" / "redis.alerts.yml")
    problems = checks.rule_coverage(copy)
    assert problems[0] == (
        "redis.alerts.yml: monitoring/alerts/redis.alerts.yml, monitoring/generated/local/rules/redis.alerts.yml "
        "would be copied onto one another in local's rules/ folder; rename one")


def test_a_broken_expectation_fails_promtool_test(copy: Context) -> None:
    tests = copy.root / "monitoring" / "tests"
    for other in tests.glob("*.yml"):  # the other files pass (tested above) and take seconds
        if other.name != "redis.test.yml":
            other.unlink()
    _edit(tests / "redis.test.yml", "              severity: warning\n", "              severity: critical\n")
    problems = checks.unit_tests(copy)
    assert "Unit Testing:  monitoring/tests/redis.test.yml" in problems
    assert any("alertname: RedisDown, time: 2m" in line for line in problems), problems


def test_an_invalid_rule_fails_promtool_check_rules_and_config(copy: Context) -> None:
    _edit(copy.root / "monitoring" / "alerts" / "redis.alerts.yml", "redis_up{job=\"redis\"} == 0",
          "redis_up{job=\"redis\" == 0")
    assert any("redis.alerts.yml" in line for line in checks.check_rules(copy))
    config = checks.check_prometheus_configs(copy)
    assert config and all(line.startswith("monitoring/generated/") for line in config)
    assert any("redis.alerts.yml" in line for line in config), config


def test_an_invalid_alertmanager_config_fails_naming_its_file(copy: Context) -> None:
    _edit(copy.root / "monitoring" / "generated" / "prod" / "alertmanager.yml", "receiver: oncall-pager",
          "receiver: nobody")
    problems = checks.check_alertmanager_configs(copy)
    assert problems and all(p.startswith("monitoring/generated/prod/alertmanager.yml: ") for p in problems)
    assert any('undefined receiver "nobody"' in p for p in problems), problems


def test_secret_placeholders_become_a_stand_in_url() -> None:
    text = "url: ((secret:quantumvest/prod/alertmanager/pager-webhook))\npassword: ((secret:a/smtp#password))\n"
    assert checks.stand_in_secrets(text) == (
        "url: https://secret.invalid/quantumvest/prod/alertmanager/pager-webhook\n"
        "password: https://secret.invalid/a/smtp\n")
