"""Run the external tools qvctl drives, Ctrl-C safe, with their output streamed line by line.

Finding them is `qvctl.tools` (the table `qvctl doctor` prints), so a missing tool produces
the very line doctor shows for it.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qvctl import tools as _tools
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus


def is_interrupt(err: BaseException) -> bool:
    """Ctrl-C, however it arrives: KeyboardInterrupt, or the QvError(INTERRUPTED) qvctl's SIGINT handler raises."""
    return isinstance(err, KeyboardInterrupt) or (
        isinstance(err, QvError) and err.status is ExitStatus.INTERRUPTED
    )


def tool_search_path(ctx: Context) -> str:
    """PATH as qvctl searches it (its own venv and .tools/*/bin first): given to the tools we run."""
    return _tools.search_path(ctx)


def require(ctx: Context, name: str) -> str:
    """The executable of a tool from qvctl's tool table, or QvError(MISSING_TOOL) with doctor's line."""
    return _tools.require(ctx, name)


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
) -> Completed:
    """Run a tool; stdout lines go to `on_line` as they come; Ctrl-C lets the tool stop cleanly first.

    Terraform, for one, releases its state lock when interrupted; killing it hard would leave the
    lock behind and make the next `up` fail. So on KeyboardInterrupt we pass SIGINT on (the tool
    usually already got it from the terminal), give it time to finish, and only then kill it.
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
        if timer is not None:
            timer.cancel()
        reader.join(timeout=5)
        if log_handle is not None:
            log_handle.write("".join(err_chunks))
            log_handle.close()
    return Completed(list(argv), proc.returncode, "".join(out_lines), "".join(err_chunks))


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


def tail_text(text: str, lines: int = 20) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])
