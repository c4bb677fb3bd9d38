"""The per-environment lock: a second holder is refused by name, a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.lock import EnvironmentLock, read_holder

HOLD_AND_WAIT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from qvctl.platform.lock import EnvironmentLock
    lock = EnvironmentLock(Path(sys.argv[1]), "local", "qvctl up local")
    lock.acquire()
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
""")


def _holder_process(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_AND_WAIT, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_the_lock_file_names_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "local" / "lock"
    with EnvironmentLock(path, "local", "qvctl up local"):
        data = json.loads(path.read_text())
        assert data["pid"] == os.getpid()
        assert data["command"] == "qvctl up local"
        assert data["host"] and data["started"].endswith("Z")
    assert not path.exists(), "a released lock leaves no file naming a holder"


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _holder_process(path, 30)
    try:
        with pytest.raises(QvError) as refused:
            EnvironmentLock(path, "local", "qvctl up local").acquire()
        assert refused.value.status is ExitStatus.LOCKED
        assert f"pid {holder.pid}" in refused.value.message
        assert "qvctl up local" in refused.value.message
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_of_a_killed_holder_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = _holder_process(path, 30)
    holder.kill()  # SIGKILL: no chance to clean up, the file still names it
    holder.wait()
    assert read_holder(path) is not None and read_holder(path).pid == holder.pid
    lock = EnvironmentLock(path, "local", "qvctl up local")
    lock.acquire()
    try:
        assert lock.previous is not None and lock.previous.pid == holder.pid
        assert read_holder(path).pid == os.getpid()
    finally:
        lock.release()


def test_a_removed_lock_file_is_not_a_lock(tmp_path: Path) -> None:
    """`down` removes the state folder (and the lock file in it) while holding the lock."""
    path = tmp_path / "state" / "lock"
    first = EnvironmentLock(path, "local", "qvctl down")
    first.acquire()
    path.unlink()
    second = EnvironmentLock(path, "local", "qvctl up")
    second.acquire()  # a fresh file: nobody else holds it (a refusal raises)
    try:
        holder = read_holder(path)
        assert holder is not None and holder.command == "qvctl up" and holder.pid == os.getpid()
        assert second.previous is None, "a fresh file names no earlier holder to take over from"
    finally:
        second.release()
        first.release()


def test_children_do_not_inherit_the_lock(tmp_path: Path) -> None:
    """supervisord, started under the lock, must not keep the environment locked after qvctl exits."""
    path = tmp_path / "lock"
    with EnvironmentLock(path, "local", "qvctl up"):
        child = subprocess.Popen(["sleep", "30"], close_fds=False)
    try:
        assert child.poll() is None, "the child must still run while the lock is taken again"
        with EnvironmentLock(path, "local", "qvctl up again"):  # a lock the child kept would refuse this
            holder = read_holder(path)
            assert holder is not None and holder.command == "qvctl up again"
    finally:
        child.kill()
        child.wait()
