"""What is left of an environment on this machine: its processes and its listening sockets.

Read straight from /proc (no psutil needed): `/proc/net/tcp` for sockets in LISTEN state,
`/proc/<pid>/fd` to map a socket to its process, `/proc/<pid>/environ` for the marker every
process of the environment inherits from its supervisord (supervisor.MARKER_VARIABLE).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from qvctl.platform.supervisor import MARKER_VARIABLE

_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    inode: int
    pids: tuple[int, ...]

    def describe(self) -> str:
        who = ", ".join(f"{pid} ({process_name(pid)})" for pid in self.pids) or "unknown process"
        return f"{self.address}:{self.port} by {who}"


def _parse_ipv4(hex_address: str) -> str:
    # /proc/net/tcp stores the address as a little-endian 32-bit hex number
    return str(ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(hex_address), "little")))


def parse_proc_net_tcp(text: str) -> list[tuple[str, int, int]]:
    """(address, port, socket inode) of every LISTEN socket in a /proc/net/tcp dump."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != _LISTEN:
            continue
        address_hex, port_hex = fields[1].split(":")
        found.append((_parse_ipv4(address_hex), int(port_hex, 16), int(fields[9])))
    return found


def _socket_owners() -> dict[int, list[int]]:
    owners: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        owners.setdefault(int(target[8:-1]), []).append(int(entry.name))
    return owners


def listeners(addresses: set[str], ports_by_address: dict[str, set[int]] | None = None) -> list[Listener]:
    """LISTEN sockets bound to any of `addresses` (any port), or to one of `ports_by_address`.

    A socket bound to 0.0.0.0 is not ours: the environment binds every service to its host address.
    """
    try:
        text = Path("/proc/net/tcp").read_text()
    except OSError:
        return []
    wanted = [
        (address, port, inode)
        for address, port, inode in parse_proc_net_tcp(text)
        if address in addresses or port in (ports_by_address or {}).get(address, set())
    ]
    if not wanted:
        return []
    owners = _socket_owners()
    return [Listener(a, p, i, tuple(sorted(set(owners.get(i, []))))) for a, p, i in wanted]


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def process_marker(pid: int) -> str | None:
    """The state folder a process belongs to (its supervisord's marker), if any."""
    prefix = f"{MARKER_VARIABLE}=".encode()
    try:
        for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
            if item.startswith(prefix):
                return item[len(prefix):].decode(errors="replace")
    except OSError:
        return None
    return None


def supervising_config(pid: int) -> str | None:
    """The `-c` config of the nearest supervisord among a process's ancestors, if any."""
    seen = 0
    while pid > 1 and seen < 64:
        seen += 1
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        if any(a.endswith(b"supervisord") for a in argv[:2]) and b"-c" in argv:
            index = argv.index(b"-c")
            return argv[index + 1].decode(errors="replace") if index + 1 < len(argv) else None
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return None


def environment_processes(state_dir: Path) -> list[int]:
    """Live processes carrying this environment's marker, or naming its state folder on their command line."""
    marker = f"{MARKER_VARIABLE}={state_dir}".encode()
    state = str(state_dir).encode()
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            continue  # zombies hold nothing; their parent reaps them
        if marker in environ or state + b"/" in cmdline:
            found.append(int(entry.name))
    return sorted(found)
