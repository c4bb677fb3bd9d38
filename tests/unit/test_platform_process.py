"""Running a tool: its lines streamed as they come, and Ctrl-C passed on so it can stop cleanly."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import process

# A tool that, like Terraform, needs a moment to clean up after SIGINT and says so.
GRACEFUL = textwrap.dedent("""
    import signal, sys, time
    def stop(signum, frame):
        time.sleep(0.5)
        open(sys.argv[1], "w").write("cleaned up")
        sys.exit(1)
    signal.signal(signal.SIGINT, stop)
    print("started", flush=True)
    time.sleep(60)
""")


def test_lines_reach_the_callback_and_the_log_as_they_come(tmp_path: Path) -> None:
    seen: list[str] = []
    log = tmp_path / "logs" / "tool.log"
    done = process.run([sys.executable, "-c", "print('one'); print('two')"], env=dict(os.environ),
                     on_line=seen.append, log=log)
    assert done.returncode == 0 and seen == ["one", "two"]
    assert log.read_text() == "one\ntwo\n"


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), QvError("interrupted", ExitStatus.INTERRUPTED)],
                         ids=["KeyboardInterrupt", "qvctl-sigint-handler"])
def test_an_interrupted_run_lets_the_tool_finish_its_cleanup(tmp_path: Path, interrupt: BaseException) -> None:
    marker = tmp_path / "marker"

    def on_line(line: str) -> None:
        if line == "started":
            raise interrupt  # what the SIGINT handler does in the main thread

    with pytest.raises(type(interrupt)):
        process.run([sys.executable, "-c", GRACEFUL, str(marker)], env=dict(os.environ), on_line=on_line)
    # Only its SIGINT handler writes this (run to its end, the tool would exit without a word).
    assert marker.read_text() == "cleaned up", "the tool got SIGINT and was waited for"


def test_an_error_of_our_own_does_not_leave_the_tool_running(tmp_path: Path) -> None:
    pids: list[int] = []
    finished = tmp_path / "finished"

    def on_line(line: str) -> None:
        pids.append(int(line))
        raise ValueError("a parse error")

    # The tool writes `finished` only if it runs to its end: stopped, it never does.
    tool = "import os, sys, time; print(os.getpid(), flush=True); time.sleep(60); open(sys.argv[1], 'w').close()"
    with pytest.raises(ValueError):
        process.run([sys.executable, "-c", tool, str(finished)], env=dict(os.environ), on_line=on_line)
    with pytest.raises(ProcessLookupError):
        os.kill(pids[0], 0)
    assert not finished.exists(), "the tool was waited for to its end instead of stopped"
