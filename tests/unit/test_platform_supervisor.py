"""The environment's supervisord, for real: started once, programs added from conf.d, stopped with its children."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from qvctl.context import Context
from qvctl.platform import procscan, supervisor
from qvctl.platform.paths import EnvPaths

pytestmark = pytest.mark.slow


@pytest.fixture
def paths(tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = Context(root=tmp_path, environ=dict(os.environ))
    paths = EnvPaths.of(ctx, "local")
    paths.state.mkdir(parents=True)
    yield ctx, paths
    supervisor.stop(paths, timeout=20)


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
    proc = supervisor.wait_running(env, "sleeper-app1", timeout=10)
    assert proc.state == "RUNNING" and proc.pid > 0
    assert proc.pid in procscan.environment_processes(env.state), "children carry the environment marker"

    assert supervisor.stop(env).startswith("stopped")
    assert not supervisor.pid_alive(pid)
    deadline = time.monotonic() + 5
    while supervisor.pid_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not supervisor.pid_alive(proc.pid), "stopping supervisord stops its programs"
    assert supervisor.processes(env) == []
    assert supervisor.stop(env) == "not running"
