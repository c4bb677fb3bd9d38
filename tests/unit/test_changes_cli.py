"""`qvctl plan / apply / drift` at the command line: refusals in one line, and drift's exit codes.

What needs Terraform against an environment is tested on the emulator's dev topology
(tests/integration/test_plan_gate_emulator.py); here only what fails before any tool runs, and
how findings become the exit status and the JSON document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qvctl import output
from qvctl.cli import app
from qvctl.context import QvError
from qvctl.drift.findings import Finding
from qvctl.exit_status import ExitStatus


@pytest.fixture(autouse=True)
def _own_state_and_wide_tables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QV_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(output.console, "width", 200)


def _refusal(*args: str) -> QvError:
    """The QvError a command stops with (in-process: qvctl.cli.main prints it as one line and exits with its status)."""
    done = CliRunner().invoke(app, list(args))
    assert isinstance(done.exception, QvError), done.stdout
    assert "\n" not in done.exception.message
    return done.exception


def test_plan_and_apply_refuse_the_local_platform() -> None:
    for command in ("plan", "apply"):
        refused = _refusal(command, "local")
        assert refused.status is ExitStatus.INVALID_INPUT
        assert refused.message.startswith(f"qvctl {command} is for cloud environments")


def test_apply_without_a_saved_plan_says_to_plan_first() -> None:
    refused = _refusal("apply", "dev", "--yes")
    assert refused.status is ExitStatus.INVALID_INPUT
    assert "no saved plan for dev" in refused.message and "run qvctl plan dev first" in refused.message


def test_drift_refuses_an_unknown_layer() -> None:
    refused = _refusal("drift", "dev", "--only", "kubernetes")
    assert refused.status is ExitStatus.INVALID_INPUT
    assert refused.message == "--only kubernetes: not a layer; choose one of terraform, ansible"


@pytest.fixture
def drift_finds(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `qvctl drift` in-process with the tools replaced by a fixed list of findings."""

    def run(found: list[Finding], *args: str):  # type: ignore[no-untyped-def]
        monkeypatch.setattr("qvctl.drift.run.detect", lambda *a, **k: found)
        return CliRunner().invoke(app, ["drift", "dev", *args])

    return run


def test_no_drift_exits_0(drift_finds) -> None:  # type: ignore[no-untyped-def]
    done = drift_finds([])
    assert done.exit_code == ExitStatus.OK and "dev: no drift" in done.stdout


def test_drift_exits_2_with_one_table_of_both_layers(drift_finds) -> None:  # type: ignore[no-untyped-def]
    found = [
        Finding("terraform", "module.storage.aws_s3_bucket.this", 'tags.team: "a" → "b"', ("tags.team",)),
        Finding("ansible", "cache1", "Write the Redis configuration: /etc/redis.conf: content differs"),
    ]
    done = drift_finds(found)
    assert done.exit_code == ExitStatus.DRIFT == 2
    assert "module.storage.aws_s3_bucket.this" in done.stdout and "cache1" in done.stdout
    as_json = drift_finds(found, "--output", "json")
    assert as_json.exit_code == 2
    report = json.loads(as_json.stdout)
    assert report["drifted"] is True and [f["subject"] for f in report["findings"]] == [
        "module.storage.aws_s3_bucket.this",
        "cache1",
    ]
    assert report["findings"][0]["paths"] == ["tags.team"]
