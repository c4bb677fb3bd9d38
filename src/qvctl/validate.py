"""Every static check of the repository, run in parallel, with one report.

A check is either a command (run in a folder of the repository) or a Python function
returning problems. Checks whose subject does not exist yet are reported as such, never
silently passed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.docs_check import markdown_problems
from qvctl.kubernetes.policy import kubernetes_policy_problems
from qvctl.monitoring import checks as monitoring
from qvctl.policies import checks as policies
from qvctl.spec import SpecError, environment_names, load_environment, spec_path
from qvctl.terraform_mirror import terraform_environ
from qvctl.tools import TOOLS, require, search_path


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class Check:
    name: str
    needs: str  # the path (relative to the root) the check is about
    command: tuple[str, ...] = ()
    cwd: str = "."
    function: Callable[[Context], list[str]] | None = None
    terraform: bool = False


def _specs(ctx: Context) -> list[str]:
    problems: list[str] = []
    for name in environment_names(ctx.root):
        try:
            load_environment(spec_path(ctx.root, name), ctx.root)
        except SpecError as err:
            problems.extend(err.problems)
    return problems


def _kubernetes(ctx: Context) -> list[str]:
    from qvctl.kubernetes.checks import run_all  # imported late: the renderer is optional to the rest

    return [str(p) for p in run_all(ctx)]


def _mypy(ctx: Context) -> list[str]:
    """mypy as [tool.mypy] in pyproject.toml sets it (strict, src/qvctl and the API's package).

    Only the error lines and the summary: mypy's notes (e.g. every overload of boto3.client)
    would push the errors out of the report.
    """
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-pretty"], cwd=ctx.root, env=dict(ctx.environ),
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode == 0:
        return []
    lines = (done.stdout + done.stderr).splitlines()
    return [line for line in lines if ": error:" in line or line.startswith("Found ")] or lines[-20:]


_CHECKOV_ARGS = ("--skip-download", "--quiet", "--compact")


def checks(ctx: Context, plans: list[Path] | None = None) -> list[Check]:
    """Every check; the Terraform plan policies only over plans given (`terraform show -json` files)."""
    plan_checks = [Check("policies: terraform plan", str(path), function=policies.terraform_plans([path]))
                   for path in plans or []]
    return [
        Check("environment specs", "environments", function=_specs),
        Check("python lint (ruff)", "src",
              command=("ruff", "check", "--output-format", "concise", "src", "services/api", "tests")),
        Check("type check (mypy)", "pyproject.toml", function=_mypy),
        Check("terraform fmt", "terraform", command=("terraform", "fmt", "-check", "-recursive"), cwd="terraform",
              terraform=True),
        Check("ansible syntax", "ansible/main.yml",
              command=("ansible-playbook", "--syntax-check", "-i", "inventories/local", "main.yml"), cwd="ansible"),
        Check("ansible-lint", "ansible", command=("ansible-lint", "--offline"), cwd="ansible"),
        Check("kubernetes manifests", "kubernetes", function=_kubernetes),
        Check("checkov terraform", "terraform",
              command=("checkov", *_CHECKOV_ARGS, "-d", "terraform", "--framework", "terraform")),
        # The same scan and verdict as tests/integration/test_kubernetes_policy.py: Rollouts are
        # scanned as Deployments too, and every skip must give its reason.
        Check("checkov kubernetes", "kubernetes", function=kubernetes_policy_problems),
        Check("markdown links and commands", "README.md", function=markdown_problems),
        Check("alert rules (promtool check rules)", "monitoring", function=monitoring.check_rules),
        Check("alert rule tests (promtool test rules)", "monitoring/tests", function=monitoring.unit_tests),
        # Every alert tested firing and not firing, with a runbook heading that exists.
        Check("alert coverage and runbooks", "monitoring/alerts", function=monitoring.rule_coverage),
        Check("prometheus config (promtool check config)", "monitoring/generated",
              function=monitoring.check_prometheus_configs),
        Check("alertmanager config (amtool check-config)", "monitoring/generated",
              function=monitoring.check_alertmanager_configs),
        Check("policies: manifests and hosts", "kubernetes", function=policies.manifests_and_hosts),
        Check("secrets scan (detect-secrets)", ".secrets.baseline", function=policies.secrets_scan),
        *plan_checks,
    ]


def _executable(ctx: Context, command: str) -> str:
    """A tool qvctl knows is found as `qvctl doctor` finds it (QvError with doctor's line if missing)."""
    if any(tool.name == command for tool in TOOLS):
        return require(ctx, command)
    return shutil.which(command, path=search_path(ctx)) or command


def _run(ctx: Context, check: Check) -> Result:
    started = time.monotonic()
    if not (ctx.root / check.needs).exists():
        return Result(check.name, False, 0.0, f"{check.needs} does not exist yet")
    if check.function is not None:
        try:
            problems = check.function(ctx)
        except QvError as err:  # e.g. a missing tool: the line `qvctl doctor` prints
            problems = [err.message]
        except Exception as err:  # a broken check is a failed check, with its reason
            problems = [f"{type(err).__name__}: {err}"]
        return Result(check.name, not problems, time.monotonic() - started, "\n".join(problems))
    env = dict(ctx.environ)
    env["PATH"] = search_path(ctx)
    if check.terraform:
        env = terraform_environ(env, ctx.tools_dir)
    try:
        command = (_executable(ctx, check.command[0]), *check.command[1:])
        done = subprocess.run(command, cwd=ctx.root / check.cwd, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
    except QvError as err:
        return Result(check.name, False, 0.0, err.message)
    except FileNotFoundError:
        return Result(check.name, False, 0.0, f"{check.command[0]} is not installed (see qvctl doctor)")
    except subprocess.TimeoutExpired:
        return Result(check.name, False, time.monotonic() - started, "timed out after 900 s")
    output = (done.stdout + done.stderr).strip()
    return Result(check.name, done.returncode == 0, time.monotonic() - started,
                  "" if done.returncode == 0 else output[-4000:])


def run_checks(ctx: Context, selected: list[Check] | None = None, workers: int = 4) -> list[Result]:
    chosen = selected if selected is not None else checks(ctx)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: _run(ctx, c), chosen))
