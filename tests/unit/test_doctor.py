"""`qvctl doctor` and `qvctl.tools.require` tell a newcomer exactly what is missing and how to get it."""

from __future__ import annotations

import json
import stat

import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.tools import TOOLS, by_name, locate, require

from ..conftest import ROOT, run_qvctl


def _fake_tool(folder, name, output):
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{output}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_every_tool_has_a_purpose_and_an_install_command():
    names = [t.name for t in TOOLS]
    assert len(names) == len(set(names))
    for tool in TOOLS:
        assert tool.purpose and tool.install and tool.commands


def test_require_missing_tool_raises_the_doctor_line(tmp_path):
    ctx = Context(root=ROOT, environ={"PATH": str(tmp_path)})
    with pytest.raises(QvError) as caught:
        require(ctx, "wrk")
    assert caught.value.status is ExitStatus.MISSING_TOOL
    assert caught.value.message == "wrk is missing (load for benchmarks and drills); install: make bootstrap " \
                                   "(apt-get install -y wrk)"


def test_locate_finds_a_tool_on_the_injected_path(tmp_path):
    fake = _fake_tool(tmp_path, "wrk", "wrk 9.8.7 [epoll]")
    ctx = Context(root=ROOT, environ={"PATH": str(tmp_path)})
    assert locate(ctx, by_name("wrk")) == str(fake)


def test_doctor_reports_missing_tools_with_install_command_and_exit_3(tmp_path):
    _fake_tool(tmp_path, "wrk", "wrk debian/4.1.0-3 [epoll]")
    done = run_qvctl("doctor", "--output", "json", env={"PATH": str(tmp_path), "QV_ROOT": str(ROOT)})
    rows = {row["tool"]: row for row in json.loads(done.stdout)}
    assert rows["wrk"]["status"] == "found" and rows["wrk"]["version"] == "4.1.0"
    assert rows["promtool"]["status"] == "missing"  # not on the injected PATH, not in .venv
    assert rows["promtool"]["install"] == "make bootstrap (apt-get install -y prometheus)"
    assert done.returncode == ExitStatus.MISSING_TOOL


def test_doctor_table_names_each_tool_with_its_version():
    done = run_qvctl("doctor")  # make bootstrap installed promtool before the tests run
    line = next(line for line in done.stdout.splitlines() if " promtool " in line)
    assert "found" in line and "2." in line
    assert "Traceback" not in done.stderr
