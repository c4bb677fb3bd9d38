"""The throw-away servers themselves: a run killed before its teardown does not block the next run."""

import os
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from api_test_helpers import HOST, port_offset, wait_until
from quantumvest_api.testing.servers import PortBusy, Servers, _port_in_use

pytestmark = pytest.mark.slow

# A port pair of its own, beyond conftest's spare pairs (the session's servers hold one while this runs).
PG_PORT, REDIS_PORT = 55732 + port_offset(), 56679 + port_offset()


def read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def test_servers_orphaned_by_a_killed_run_are_stopped_by_the_next_run(tmp_path) -> None:
    env_file = tmp_path / "servers.env"
    command = [sys.executable, "-m", "quantumvest_api.testing.servers", "--host", HOST,
               "--pg-port", str(PG_PORT), "--redis-port", str(REDIS_PORT), "--env-file", str(env_file)]  # fmt: skip
    killed = subprocess.Popen(command, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until("the first run's servers are up", lambda: "QV_TEST_TOKEN" in read(env_file))
    finally:
        killed.send_signal(signal.SIGKILL)  # no teardown: PostgreSQL and Redis keep listening
        killed.wait()
    assert _port_in_use(HOST, PG_PORT) and _port_in_use(HOST, REDIS_PORT)
    exported = dict(line.removeprefix("export ").split("=", 1) for line in read(env_file).splitlines())
    orphaned_base = Path(shlex.split(exported["QV_DB_PASSWORD_FILE"])[0]).parent
    assert orphaned_base.is_dir()
    following = Servers(HOST, PG_PORT, REDIS_PORT).start()
    try:
        with following.postgres.connect_superuser() as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
        assert not orphaned_base.exists()
    finally:
        following.destroy()
    assert not _port_in_use(HOST, PG_PORT) and not _port_in_use(HOST, REDIS_PORT)


@pytest.mark.parametrize("taken", ["postgresql", "redis"])
def test_a_port_something_else_listens_on_is_busy_and_the_attempt_leaves_nothing(taken: str) -> None:
    """Busy, not broken: the session's fixture then takes its next spare pair (tests/conftest.py)."""
    port = PG_PORT if taken == "postgresql" else REDIS_PORT
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the test before may leave TIME_WAIT
        squatter.bind((HOST, port))
        squatter.listen()
        with pytest.raises(PortBusy, match=rf"{HOST}:{port} is already in use"):
            Servers(HOST, PG_PORT, REDIS_PORT, wait=0).start()
    assert not _port_in_use(HOST, PG_PORT) and not _port_in_use(HOST, REDIS_PORT)
