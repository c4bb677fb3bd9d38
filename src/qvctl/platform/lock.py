"""One `qvctl up`/`down` at a time per environment.

The lock is a file under `.qv/<env>/` holding who has it (pid, host, command, start time),
guarded by an advisory `flock`: the kernel drops the flock when its holder dies, however it
dies, so a lock left behind by a killed qvctl is stale by construction and simply taken over.
The JSON inside only serves to name the holder in the refusal message.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str
    started: str  # ISO 8601, UTC

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} running '{self.command}' since {self.started}"

    @classmethod
    def me(cls, command: str) -> Holder:
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            command=command,
            started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )


def read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text())
        return Holder(pid=int(data["pid"]), host=str(data["host"]), command=str(data["command"]),
                      started=str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class EnvironmentLock:
    """Hold with `with EnvironmentLock(path, env, "qvctl up local"):`; raises QvError(LOCKED) if taken."""

    def __init__(self, path: Path, env: str, command: str) -> None:
        self.path = path
        self.env = env
        self.command = command
        self._fd: int | None = None
        self.previous: Holder | None = None  # a stale holder we took over, if any

    def acquire(self) -> None:
        while True:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_CLOEXEC (Python's default) matters: supervisord started under the lock must not inherit it.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                holder = read_holder(self.path)
                who = holder.describe() if holder else "another qvctl (holder unknown)"
                raise QvError(
                    f"environment '{self.env}' is locked by {who}; wait for it to finish "
                    f"(lock file {self.path})",
                    ExitStatus.LOCKED,
                ) from None
            # The holder may have removed the file (release, `down`) between our open and flock:
            # then we locked an orphan inode; start over on the file that is there now.
            try:
                if os.path.samestat(os.fstat(fd), self.path.stat()):
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        # We have the flock: whatever the file says is a holder that died without cleaning up.
        self.previous = read_holder(self.path)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(Holder.me(self.command))).encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            # Empty the file first: a reader between unlink and close must not see us as holder.
            os.ftruncate(self._fd, 0)
        with contextlib.suppress(FileNotFoundError):
            if self.path.exists() and os.path.samestat(os.fstat(self._fd), self.path.stat()):
                self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> EnvironmentLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def environment_lock(path: Path, env: str, command: str | None = None) -> Iterator[EnvironmentLock]:
    lock = EnvironmentLock(path, env, command or " ".join(["qvctl", *sys.argv[1:]]))
    with lock:
        yield lock
