"""The environment's supervisord, for real: started once, programs added from conf.d, stopped with its children."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import procscan, supervisor
from qvctl.platform.paths import EnvPaths

from ..waiting import DEADLINE_SECONDS, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def short_root() -> Iterator[Path]:
    """A folder short enough for a unix socket: pytest's tmp_path grows with its run counter and
    the test's name, and once went past the 107 characters a socket path may have."""
    with tempfile.TemporaryDirectory(prefix="qv-sup-") as folder:
        yield Path(folder)


@pytest.fixture
def paths(short_root: Path):  # type: ignore[no-untyped-def]
    ctx = Context(root=short_root, environ={**os.environ, "QV_STATE_DIR": str(short_root / "state")})
    paths = EnvPaths.of(ctx, "local")
    paths.state.mkdir(parents=True)
    yield ctx, paths
    supervisor.stop(paths, timeout=20)


def test_a_state_folder_too_long_for_the_socket_is_refused_in_one_line_before_supervisord_runs(
        short_root: Path) -> None:
    # A socket path of 104 characters fits in 107 but leaves no room for supervisord's temporary
    # "<socket>.<pid>" name, which is what broke the start in CI.
    probe = EnvPaths.of(Context(root=short_root, environ={"QV_STATE_DIR": str(short_root)}), "local")
    below_the_folder = len(str(probe.supervisor_socket)) - len(str(short_root))
    deep = short_root / ("d" * (104 - below_the_folder - len(str(short_root)) - 1))
    ctx = Context(root=short_root, environ={**os.environ, "QV_STATE_DIR": str(deep)})
    paths = EnvPaths.of(ctx, "local")
    assert len(str(paths.supervisor_socket)) == 104
    with pytest.raises(QvError, match=r"too long for supervisord's unix socket .*set QV_STATE_DIR") as error:
        supervisor.start(ctx, paths)
    assert error.value.status == ExitStatus.INVALID_INPUT
    assert not paths.supervisor_conf.exists()


def _program(paths: EnvPaths, name: str) -> None:
    (paths.supervisor_programs / f"{name}.conf").write_text(
        f"[program:{name}]\ncommand={sys.executable} -c 'import time; time.sleep(300)'\n"
        "startsecs=0\nautorestart=true\n"
    )


def test_start_is_idempotent_and_programs_appear_and_stop_with_it(paths) -> None:  # type: ignore[no-untyped-def]
    ctx, env = paths
    assert supervisor.start(ctx, env).startswith("started")
    pid = supervisor.supervisord_pid(env)
    assert pid is not None
    assert supervisor.start(ctx, env).startswith("already running"), "a second start reuses the first"
    assert supervisor.supervisord_pid(env) == pid

    _program(env, "sleeper-app1")
    assert supervisor.update(env) == ["sleeper-app1"]
    assert supervisor.update(env) == [], "an unchanged conf.d changes nothing"
    proc = supervisor.wait_running(env, "sleeper-app1", timeout=DEADLINE_SECONDS)
    assert proc.state == "RUNNING" and proc.pid > 0
    assert proc.pid in procscan.environment_processes(env.state), "children carry the environment marker"

    assert supervisor.stop(env).startswith("stopped")
    assert not supervisor.pid_alive(pid)
    wait_until("stopping supervisord stops its programs", lambda: not supervisor.pid_alive(proc.pid))
    assert supervisor.processes(env) == []
    assert supervisor.stop(env) == "not running"


def _crashing(paths: EnvPaths, name: str, script: str, retries: int = 10) -> None:
    log = paths.state / f"{name}.log"
    (paths.supervisor_programs / f"{name}.conf").write_text(
        f"[program:{name}]\ncommand={sys.executable} -c '{script}'\nstartsecs=1\nstartretries={retries}\n"
        f"autorestart=true\nredirect_stderr=true\nstdout_logfile={log}\n"
    )


def _watch_until(watch: supervisor.CrashWatch, seconds: float) -> str | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reason = watch()
        if reason:
            return reason
        time.sleep(0.3)
    return None


def test_the_crash_watch_names_a_program_that_cannot_start_with_its_log(paths) -> None:  # type: ignore[no-untyped-def]
    ctx, env = paths
    supervisor.start(ctx, env)
    _program(env, "steady-app1")
    supervisor.update(env)
    watch = supervisor.CrashWatch(env)
    assert watch() is None, "the first look only records how things were"
    _crashing(env, "etcd-db1", "import sys; print(\"etcd: cannot open data dir: permission denied\"); sys.exit(1)",
              retries=1)
    supervisor.update(env)
    reason = _watch_until(watch, 20)
    assert reason is not None, "a program that cannot start must be reported"
    assert reason.startswith("supervised program etcd-db1 cannot start (FATAL)")
    assert "etcd: cannot open data dir: permission denied" in reason, "the end of its log says why"
    assert "steady" not in reason


def test_the_crash_watch_names_a_program_that_keeps_restarting(paths) -> None:  # type: ignore[no-untyped-def]
    ctx, env = paths
    supervisor.start(ctx, env)
    watch = supervisor.CrashWatch(env, restarts_allowed=2)
    watch()
    # Up for longer than startsecs, then dies: supervisord restarts it forever, never FATAL.
    _crashing(env, "redis-cache1", "import sys, time; print(\"redis: out of memory\", flush=True); "
                                   "time.sleep(1.5); sys.exit(3)")
    supervisor.update(env)
    reason = _watch_until(watch, 30)
    assert reason is not None and reason.startswith("supervised program redis-cache1 keeps restarting")
    assert "redis: out of memory" in reason


def test_the_crash_watch_leaves_steady_programs_and_one_deliberate_restart_alone(paths) -> None:  # type: ignore[no-untyped-def]
    ctx, env = paths
    supervisor.start(ctx, env)
    _program(env, "api-app1")
    supervisor.update(env)
    supervisor.wait_running(env, "api-app1", timeout=DEADLINE_SECONDS)
    watch = supervisor.CrashWatch(env)
    watch()
    supervisor.rpc(env).stop_process("api-app1")
    supervisor.rpc(env).start_process("api-app1")
    assert _watch_until(watch, 3) is None
