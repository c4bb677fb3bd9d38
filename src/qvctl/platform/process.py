"""Run the external tools qvctl drives as child processes: Ctrl-C safe, output streamed line by line,
stopped early when a watchdog says the environment has failed underneath them.

Finding a tool is `qvctl.tools` (the table `qvctl doctor` prints), so a missing tool produces
the very line doctor shows for it.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus


def is_interrupt(err: BaseException) -> bool:
    """Ctrl-C, however it arrives: KeyboardInterrupt, or the QvError(INTERRUPTED) qvctl's SIGINT handler raises."""
    return isinstance(err, KeyboardInterrupt) or (
        isinstance(err, QvError) and err.status is ExitStatus.INTERRUPTED
    )


@dataclass(frozen=True)
class Completed:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    log: Path | None = None,
    timeout: float | None = None,
    stdin_devnull: bool = True,
    watchdog: Watchdog | None = None,
) -> Completed:
    """Run a tool; stdout lines go to `on_line` as they come; Ctrl-C lets the tool stop cleanly first.

    Terraform, for one, releases its state lock when interrupted; killing it hard would leave the
    lock behind and make the next `up` fail. So on KeyboardInterrupt we pass SIGINT on (the tool
    usually already got it from the terminal), give it time to finish, and only then kill it.

    `watchdog()` is asked every half second; when it returns a reason (a supervised program
    crashed, say), the tool is stopped the same gentle way and QvError(reason) is raised, instead
    of waiting for the tool to time out on a symptom.
    """
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL if stdin_devnull else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        bufsize=1,
    )
    err_chunks: list[str] = []
    out_lines: list[str] = []

    def _drain_stderr() -> None:
        assert proc.stderr is not None
        for chunk in proc.stderr:
            err_chunks.append(chunk)

    reader = threading.Thread(target=_drain_stderr, daemon=True)
    reader.start()
    log_handle = None
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log_handle = log.open("w")
    timer = None
    if timeout is not None:
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
    tripped: list[str] = []
    done_watching = threading.Event()
    if watchdog is not None:
        threading.Thread(target=_watch, args=(proc, watchdog, tripped, done_watching), daemon=True).start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out_lines.append(line)
            if log_handle is not None:  # as they come: `tail -f` the log during a long apply
                log_handle.write(line)
                log_handle.flush()
            if on_line is not None:
                on_line(line.rstrip("\n"))
        proc.wait()
    except BaseException as err:
        if is_interrupt(err):
            _stop_gently(proc)
        elif proc.poll() is None:  # our own error: never leave the tool running unattended
            proc.kill()
            proc.wait()
        raise
    finally:
        done_watching.set()
        if timer is not None:
            timer.cancel()
        reader.join(timeout=5)
        if log_handle is not None:
            log_handle.write("".join(err_chunks))
            log_handle.close()
    if tripped:
        raise QvError(tripped[0])
    return Completed(list(argv), proc.returncode, "".join(out_lines), "".join(err_chunks))


Watchdog = Callable[[], "str | None"]


def _watch(proc: subprocess.Popen[str], watchdog: Watchdog, tripped: list[str], done: threading.Event) -> None:
    while not done.wait(0.5) and proc.poll() is None:
        reason = watchdog()
        if reason:
            tripped.append(reason)
            _stop_gently(proc, grace=10.0)
            return


def _stop_gently(proc: subprocess.Popen[str], grace: float = 30.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    except (KeyboardInterrupt, QvError):  # a second Ctrl-C: the user insists
        proc.kill()
        proc.wait()


def json_line(line: str) -> dict[str, Any] | None:
    """One line of a tool's JSON-lines output as an object; None for anything else it printed."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def tail_text(text: str, lines: int = 20) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
