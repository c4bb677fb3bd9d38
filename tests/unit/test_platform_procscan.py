"""Finding what an environment left behind: listening sockets and marked processes, from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from qvctl.platform.procscan import environment_processes, listeners, parse_proc_net_tcp
from qvctl.platform.supervisor import MARKER_VARIABLE

from ..waiting import wait_until

PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0101007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000
   1: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000
   2: 0101007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000
"""


def test_listen_sockets_are_parsed_from_proc_net_tcp() -> None:
    assert parse_proc_net_tcp(PROC_NET_TCP) == [("127.0.1.1", 8080, 4242), ("127.0.0.1", 5000, 4343)]


def test_a_real_listener_on_an_environment_address_is_found_with_its_process() -> None:
    with socket.socket() as server:
        server.bind(("127.0.9.9", 0))
        server.listen()
        port = server.getsockname()[1]
        found = listeners({"127.0.9.9"})
        assert [(f.address, f.port) for f in found] == [("127.0.9.9", port)]
        assert os.getpid() in found[0].pids
    assert listeners({"127.0.9.9"}) == []


def test_a_shared_address_only_counts_the_environments_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listeners(set(), {"127.0.0.1": {port}})
        assert not listeners(set(), {"127.0.0.1": {port + 1 if port < 65535 else port - 1}})


def test_processes_carrying_the_environment_marker_are_found(tmp_path: Path) -> None:
    state = tmp_path / ".qv" / "local"
    env = {**os.environ, MARKER_VARIABLE: str(state)}
    marked = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], env=env)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        wait_until("the marked process is found", lambda: marked.pid in environment_processes(state))
        found = environment_processes(state)
        assert marked.pid in found
        assert other.pid not in found
        assert environment_processes(tmp_path / ".qv" / "dev") == []
    finally:
        for proc in (marked, other):
            proc.kill()
            proc.wait()
