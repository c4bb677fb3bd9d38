"""Every static check of the repository, run in parallel, with one report, cached by content.

A check is either a command (run in a folder of the repository) or a Python function returning
problems, one line each (`path[:line[:col]]: [rule] message` where it can name them). Each check
declares its inputs: fnmatch patterns over the repository's paths (`*` crosses folders) and the
tools whose version may change its verdict; an unchanged set of inputs reuses the stored verdict
(qvctl.validation.cache). Checks whose subject does not exist yet are reported as such, never
silently passed.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.terraform_mirror import terraform_environ
from qvctl.tools import TOOLS, require, search_path
from qvctl.validation.cache import ResultCache, Stored, cache_key
from qvctl.validation.check import Check
from qvctl.validation.files import FileIndex
from qvctl.validation.table import checks
from qvctl.validation.versions import ToolVersions

__all__ = ["Check", "Result", "checks", "exit_status", "run_checks", "select"]

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
