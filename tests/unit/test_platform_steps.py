"""The step runner: timed result lines, one-line failures naming the step, Ctrl-C as status 130."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.steps import Note, Outcome, Step, StepRunner


def _runner() -> tuple[StepRunner, io.StringIO]:
    out = io.StringIO()
    ticks = iter(float(t) for t in range(0, 1000, 2))
    return StepRunner(Console(file=out, width=200), clock=lambda: next(ticks)), out


def test_each_step_prints_its_name_elapsed_time_and_result() -> None:
    runner, out = _runner()
    runner.run("terraform apply", lambda note: Outcome("no changes", changed=False))
    runner.run("environment CA", lambda note: "reused")
    lines = out.getvalue().splitlines()
    assert "terraform apply" in lines[0] and "2.0s" in lines[0] and lines[0].endswith("no changes")
    assert "environment CA" in lines[1] and lines[1].endswith("reused")
    assert [(r.name, r.seconds, r.changed) for r in runner.results] == [
        ("terraform apply", 2.0, False), ("environment CA", 2.0, None)]


def test_a_failing_step_stops_with_its_name_and_the_tools_message() -> None:
    runner, out = _runner()

    def fail(note):  # type: ignore[no-untyped-def]
        raise QvError("terraform apply: Invalid value for variable: environment must be one of local, dev")

    with pytest.raises(QvError) as failed:
        runner.run("terraform apply", fail)
    assert failed.value.message == (
        "step 'terraform apply' failed: terraform apply: Invalid value for variable: environment must be one of "
        "local, dev"
    )
    assert failed.value.status is ExitStatus.FAILED
    assert "✗ terraform apply" in out.getvalue()


def test_the_tools_exit_status_meaning_is_kept() -> None:
    runner, _ = _runner()

    def missing(note):  # type: ignore[no-untyped-def]
        raise QvError("terraform is missing", ExitStatus.MISSING_TOOL)

    with pytest.raises(QvError) as failed:
        runner.run("terraform init", missing)
    assert failed.value.status is ExitStatus.MISSING_TOOL


def test_ctrl_c_in_a_step_is_an_interruption_with_a_way_out() -> None:
    runner, _ = _runner()

    def interrupted(note):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with pytest.raises(QvError) as stopped:
        runner.run("ansible-playbook main.yml", interrupted)
    assert stopped.value.status is ExitStatus.INTERRUPTED
    assert "'ansible-playbook main.yml'" in stopped.value.message
    assert "qvctl up" in stopped.value.message and "qvctl down" in stopped.value.message


def test_a_changed_step_marks_the_run_as_changed() -> None:
    runner, _ = _runner()
    runner.run("terraform apply", lambda note: Outcome("3 added, 0 changed, 0 destroyed", changed=True))
    assert runner.results[-1].changed is True


def test_a_step_list_runs_in_order_and_skips_what_does_not_apply() -> None:
    """`up` and `down` are lists of steps: each gets the shared run object; `when` sees what earlier ones found."""
    runner, out = _runner()
    seen: list[str] = []

    def plan(run: list[str], note: Note) -> str:
        run.append("plan")
        return "no changes"

    def apply(run: list[str], note: Note) -> str:
        run.append("apply")
        return "applied"

    steps = [Step("terraform plan", plan), Step("terraform apply", apply, when=lambda run: "changes" in run),
             Step("ansible", lambda run, note: run.append("ansible") or "ok")]
    results = runner.run_all(steps, seen)
    assert seen == ["plan", "ansible"]
    assert [r.name for r in results] == ["terraform plan", "ansible"]
    assert "terraform apply" not in out.getvalue()


def test_a_multi_line_tool_message_becomes_one_line() -> None:
    runner, _ = _runner()

    def fail(note):  # type: ignore[no-untyped-def]
        raise QvError("Error: Cannot open an HTTP server\nFor help, use supervisord -h\n")

    with pytest.raises(QvError) as failed:
        runner.run("start supervisord", fail)
    assert failed.value.message == (
        "step 'start supervisord' failed: Error: Cannot open an HTTP server For help, use supervisord -h"
    )


def test_the_cli_sigint_error_is_an_interruption_too() -> None:
    """qvctl's SIGINT handler raises QvError(INTERRUPTED) instead of KeyboardInterrupt."""
    runner, _ = _runner()

    def interrupted(note):  # type: ignore[no-untyped-def]
        raise QvError("interrupted", ExitStatus.INTERRUPTED)

    with pytest.raises(QvError) as stopped:
        runner.run("terraform apply", interrupted)
    assert stopped.value.status is ExitStatus.INTERRUPTED
    assert stopped.value.message.startswith("interrupted during step 'terraform apply'")
