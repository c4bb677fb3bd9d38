"""How `qvctl validate` runs one check: where a command runs and with what, what a failure reads, what is stored."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.validate import Check, Result, checks, exit_status, run_checks, select


def _repo(tmp_path: Path) -> Context:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a\n")
    return Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin", "QV_VALIDATE_CACHE": str(tmp_path / "cache")})


def _shell(check_id: str, script: str, **options: object) -> Check:
    return Check(check_id, check_id, "sub", ("sub/*",), command=("sh", "-c", script), **options)  # type: ignore[arg-type]


def test_a_command_runs_in_its_folder_and_a_failure_reports_its_output_and_errors(tmp_path: Path) -> None:
    ctx = _repo(tmp_path)
    (result,) = run_checks(ctx, [_shell("pwd", "pwd; echo wrong >&2; exit 3", cwd="sub")])
    assert (result.ok, result.detail) == (False, f"{tmp_path / 'sub'}\nwrong")


def test_a_passing_command_reports_nothing(tmp_path: Path) -> None:
    (result,) = run_checks(_repo(tmp_path), [_shell("echo", "echo all good")])
    assert (result.name, result.ok, result.detail, result.missing_tool) == ("echo", True, "", False)
    assert 0 <= result.seconds < 60, "this run's own time, not a clock reading"


def test_a_check_whose_subject_is_missing_is_reported_without_running(tmp_path: Path) -> None:
    check = Check("lint", "the linter", "nowhere", ("*",), command=("sh", "-c", "touch ran"))
    (result,) = run_checks(_repo(tmp_path), [check])
    assert (result.name, result.ok, result.seconds, result.detail) == (
        "the linter",
        False,
        0.0,
        "nowhere does not exist yet",
    )
    assert not (tmp_path / "ran").exists()


def test_every_problem_of_a_check_is_one_line_of_its_detail(tmp_path: Path) -> None:
    def two(ctx: Context) -> list[str]:
        return ["sub/a.txt:1: [one] first", "sub/a.txt:2: [two] second"]

    (result,) = run_checks(_repo(tmp_path), [Check("two", "two", "sub", ("sub/*",), function=two)])
    assert result.detail.splitlines() == ["sub/a.txt:1: [one] first", "sub/a.txt:2: [two] second"]


def test_a_long_failure_keeps_its_end(tmp_path: Path) -> None:
    (result,) = run_checks(_repo(tmp_path), [_shell("long", "seq 1 5000; exit 1")])
    assert result.detail.endswith("4999\n5000") and not result.detail.startswith("1\n")


def test_a_command_is_found_among_the_projects_own_tools(tmp_path: Path) -> None:
    ctx = _repo(tmp_path)
    tool = tmp_path / ".tools" / "linter" / "bin" / "own-linter"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\necho own linter ran\nexit 1\n")
    tool.chmod(0o755)
    direct = Check("own", "own", "sub", ("sub/*",), command=("own-linter",))
    from_script = _shell("script", "own-linter")  # a script finds it too: the command's PATH has it
    results = run_checks(ctx, [direct, from_script])
    assert [(r.detail, r.missing_tool) for r in results] == [("own linter ran", False)] * 2


def test_a_command_that_is_not_installed_is_a_missing_tool_never_stored(tmp_path: Path) -> None:
    ctx = _repo(tmp_path)
    check = Check("gone", "gone", "sub", ("sub/*",), command=("no-such-linter-anywhere", "."))
    for _ in range(2):
        (result,) = run_checks(ctx, [check], use_cache=True)
        assert (result.ok, result.missing_tool, result.cached) == (False, True, False)
        assert result.detail == "no-such-linter-anywhere is not installed (see qvctl doctor)"


def test_only_a_terraform_check_runs_in_terraforms_environment(tmp_path: Path) -> None:
    ctx = _repo(tmp_path)
    script = 'echo "automation=$TF_IN_AUTOMATION"; exit 1'
    plain, tf = run_checks(ctx, [_shell("plain", script), _shell("tf", script, terraform=True)])
    assert (plain.detail, tf.detail) == ("automation=", "automation=1")


def test_a_command_that_times_out_fails_and_is_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qvctl.validate.TIMEOUT_SECONDS", 0.2)
    ctx = _repo(tmp_path)
    for _ in range(2):
        (result,) = run_checks(ctx, [_shell("slow", "sleep 5")], use_cache=True)
        assert (result.ok, result.cached, result.detail) == (False, False, "timed out after 0.2 s")


class Raising:
    """A check function that raises `error` on every run, counting them."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.runs = 0

    def __call__(self, ctx: Context) -> list[str]:
        self.runs += 1
        raise self.error


def _twice(tmp_path: Path, function: Raising) -> tuple[Result, Result]:
    ctx = _repo(tmp_path)
    check = Check("raises", "raises", "sub", ("sub/*",), function=function)
    first, again = (run_checks(ctx, [check], use_cache=True)[0] for _ in range(2))
    return first, again


def test_a_broken_check_is_a_failed_verdict_with_its_reason_and_is_stored(tmp_path: Path) -> None:
    broken = Raising(ValueError("no such key"))
    first, again = _twice(tmp_path, broken)
    assert (first.ok, first.detail, first.missing_tool) == (False, "ValueError: no such key", False)
    assert (again.cached, again.detail, broken.runs) == (True, first.detail, 1)


def test_a_check_refusing_its_input_is_a_failed_verdict_and_is_stored(tmp_path: Path) -> None:
    refusing = Raising(QvError("sub/a.txt: not a spec", ExitStatus.INVALID_INPUT))
    first, again = _twice(tmp_path, refusing)
    assert (first.ok, first.detail, first.missing_tool) == (False, "sub/a.txt: not a spec", False)
    assert (again.cached, refusing.runs) == (True, 1)


def test_a_check_function_that_times_out_fails_and_is_asked_again(tmp_path: Path) -> None:
    slow = Raising(subprocess.TimeoutExpired(["promtool"], 30))
    first, again = _twice(tmp_path, slow)
    assert (first.ok, first.detail, first.missing_tool) == (False, "timed out after 30 s", False)
    assert (again.cached, slow.runs) == (False, 2)


def test_a_check_that_is_not_cacheable_runs_every_time(tmp_path: Path) -> None:
    ctx = _repo(tmp_path)
    runs: list[int] = []

    def plan(ctx: Context) -> list[str]:
        runs.append(1)
        return []

    check = Check("plan", "plan", "sub", ("sub/*",), function=plan, cacheable=False)
    results = [run_checks(ctx, [check], use_cache=True)[0] for _ in range(2)]
    assert [r.cached for r in results] == [False, False] and len(runs) == 2


def test_a_cached_result_reports_how_long_the_stored_run_took(tmp_path: Path) -> None:
    ctx = _repo(tmp_path)
    check = _shell("sleepy", "sleep 0.3; exit 1")
    first, again = (run_checks(ctx, [check], use_cache=True)[0] for _ in range(2))
    assert first.seconds >= 0.3 and again.first_seconds == first.seconds
    assert (again.id, again.name, again.ok, again.detail, again.cached) == ("sleepy", "sleepy", False, "", True)
    assert 0 <= again.seconds < 60, "a lookup's own time, not a clock reading"


def test_a_check_whose_tool_is_installed_is_stored_under_its_version(tmp_path: Path) -> None:
    ctx = Context(root=tmp_path, environ={"PATH": os.environ["PATH"]})
    (tmp_path / "a.tf").write_text("")
    runs: list[int] = []

    def fmt(ctx: Context) -> list[str]:
        runs.append(1)
        return []

    check = Check("fmt", "fmt", "a.tf", ("*.tf",), ("terraform",), function=fmt)
    results = [run_checks(ctx, [check], use_cache=True)[0] for _ in range(2)]
    assert [r.cached for r in results] == [False, True] and len(runs) == 1


def test_without_a_selection_the_default_checks_run(tmp_path: Path) -> None:
    ctx = Context(root=tmp_path, environ={"PATH": str(tmp_path / "nothing")})
    results = run_checks(ctx)
    assert [r.id for r in results] == [c.id for c in checks(ctx) if c.default]
    assert "terraform-test" not in [r.id for r in results]


# --- selection and exit status ------------------------------------------------------------------


def test_every_unknown_id_is_named() -> None:
    with pytest.raises(QvError) as raised:
        select(checks(Context(root=Path("."), environ={})), ["ruf"], ["mypi"])
    assert raised.value.message.startswith("unknown check ruf, mypi; valid checks: ")


def test_the_exit_status_is_0_when_all_pass_1_when_one_fails_and_3_when_a_tool_is_missing() -> None:
    passed = Result("a", "a", True, 0.1)
    failed = Result("b", "b", False, 0.1, "b.txt: wrong")
    missing = Result("c", "c", False, 0.1, "c is missing", missing_tool=True)
    statuses = [exit_status([passed]), exit_status([passed, failed]), exit_status([failed, missing, passed])]
    assert statuses == [ExitStatus.OK, ExitStatus.FAILED, ExitStatus.MISSING_TOOL]
    assert [int(s) for s in statuses] == [0, 1, 3]
