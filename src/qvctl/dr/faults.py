"""The faults a drill injects into a local environment: a host crash, one program's crash, a network
partition, the loss of a whole region.

A host of the local platform is a loopback address plus the supervisord programs named
`<component>-<host>` (etcd-db1, patroni-db1, pgbackrest-db1...); its processes are those programs'
processes and all their descendants (PostgreSQL under Patroni, for one). Nothing here touches a
process of another host, of another environment, or of the machine.

Partition. Every process of the host moves into a cgroup v2 of the environment's own
(`qv-<env>-<host>` under the cgroup2 mount), then one nftables table of the environment's own
(`inet qv_<env>_drill`) drops, on the output hook (every loopback packet passes it when sent):
  * `ip daddr <host>`: nobody reaches the host;
  * `ip saddr <host>`: the host answers nobody (replies on connections it accepted);
  * `socket cgroupv2 level N "<cgroup>"`: the host's new connections reach nobody (on loopback
    they leave from 127.0.0.1, so no address rule could tell them apart);
  * the exact 4-tuple, both ways, of every connection the host had opened before the partition:
    a socket keeps the cgroup it was created in, so the cgroup rule does not see those (Patroni's
    connections to etcd are long-lived, for one).
Packets are dropped, not refused: both sides see a black hole and find out through their own
timeouts, as across a real network partition.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import signal
import subprocess
import time
import xmlrpc.client
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform import procscan, supervisor
from qvctl.platform.paths import EnvPaths

SYSFS_CGROUP = Path("/sys/fs/cgroup")  # where nft resolves a cgroupv2 path from


# --- a host's processes --------------------------------------------------------------------------


def program_host(program: str) -> str:
    """The host of a program named `<component>-<host>` (nginx-exporter-edge1 -> edge1)."""
    return program.rpartition("-")[2]


def host_programs(table: list[supervisor.ProcessState], host: str) -> list[supervisor.ProcessState]:
    return [proc for proc in table if "-" in proc.name and program_host(proc.name) == host]


def children_map(stats: dict[int, int]) -> dict[int, list[int]]:
    """parent pid -> child pids, from pid -> parent pid."""
    children: dict[int, list[int]] = {}
    for pid, parent in stats.items():
        children.setdefault(parent, []).append(pid)
    return children


def descendants(roots: Iterable[int], children: dict[int, list[int]]) -> list[int]:
    """The roots and every process below them, parents first."""
    found: list[int] = []
    todo = list(roots)
    seen: set[int] = set()
    while todo:
        pid = todo.pop(0)
        if pid in seen or pid <= 1:
            continue
        seen.add(pid)
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def process_tree(roots: Iterable[int]) -> list[int]:
    return descendants(roots, children_map(_parents()))


def host_processes(paths: EnvPaths, host: str, address: str,
                   components: set[str] | None = None) -> tuple[list[str], list[int]]:
    """(programs, pids) of a host: its programs' processes, every process listening on its address
    (PostgreSQL: Patroni starts the postmaster detached from itself, so it is nobody's descendant
    under supervisord), and all their descendants. With `components` (e.g. {"etcd"}), only those
    programs' processes."""
    programs = [p for p in host_programs(supervisor.processes(paths), host)
                if components is None or p.name.rpartition("-")[0] in components]
    roots = [p.pid for p in programs if p.pid > 0]
    if components is None:
        roots += [pid for listener in procscan.listeners({address}) for pid in listener.pids]
    return [p.name for p in programs], process_tree(roots)


def _signal_all(pids: Iterable[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


@dataclass(frozen=True)
class Crash:
    hosts: list[str]
    programs: list[str]  # supervisord's names for them
    pids: list[int]
    at: float  # monotonic: the moment the first process froze
    stays_down: bool

    def describe(self) -> str:
        return (f"{len(self.pids)} processes of {', '.join(self.programs)} killed"
                + ("; their programs STOPPED" if self.stays_down else "; supervisord restarts them"))


def crash(paths: EnvPaths, hosts: dict[str, str], components: set[str] | None = None,
          stay_down: bool = False, timeout: float = 30.0) -> Crash:
    """kill -9 every process of the hosts (or only of their `components`).

    SIGSTOP first, so that no process reacts to another's death (Patroni restarting PostgreSQL, a
    postmaster forking, a last WAL record sent) between the kills: all of a host stops at once.
    Without `stay_down` supervisord starts the programs again at once (a host that reboots in no
    time); with it, supervisord is told to stop them before they die, so they end STOPPED until
    `start_programs` (a host that stays down, a lost region)."""
    api = supervisor.rpc(paths)
    programs: list[supervisor.ProcessState] = []
    pids: set[int] = set()
    for host, address in hosts.items():
        programs += [p for p in host_programs(supervisor.processes(paths), host)
                     if components is None or p.name.rpartition("-")[0] in components]
        pids.update(host_processes(paths, host, address, components)[1])
    if not pids:
        raise QvError(f"no running process of {', '.join(hosts)} to kill")
    at = time.monotonic()
    _signal_all(pids, signal.SIGSTOP)
    if stay_down:
        for program in programs:
            with contextlib.suppress(xmlrpc.client.Fault):  # not running: nothing to stop
                api.stop_process(program.full_name, wait=False)
    _signal_all(pids, signal.SIGKILL)
    if stay_down:
        wait_states(paths, [p.full_name for p in programs], {"STOPPED", "EXITED"}, timeout)
    return Crash(list(hosts), [p.full_name for p in programs], sorted(pids), at, stay_down)


def start_programs(paths: EnvPaths, programs: list[str], timeout: float = 60.0) -> None:
    api = supervisor.rpc(paths, timeout=timeout)
    for program in programs:
        try:
            api.start_process(program)
        except xmlrpc.client.Fault as err:
            if "ALREADY_STARTED" not in err.faultString:
                raise QvError(f"supervisord could not start {program}: {err.faultString}") from None
    wait_states(paths, programs, {"RUNNING"}, timeout)


def wait_states(paths: EnvPaths, programs: list[str], states: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = set(programs)
    while pending:
        by_name = {p.full_name: p.state for p in supervisor.processes(paths)}
        pending = {name for name in pending if by_name.get(name) not in states}
        if not pending:
            return
        if time.monotonic() > deadline:
            raise QvError(f"after {timeout:.0f}s not {'/'.join(sorted(states))}: "
                          + ", ".join(f"{n} ({by_name.get(n, 'unknown')})" for n in sorted(pending)))
        time.sleep(0.2)


# --- network partition -----------------------------------------------------------------------------


def cgroup2_mount(mounts: str) -> Path | None:
    """The cgroup v2 hierarchy's mount point in a /proc/mounts text (/sys/fs/cgroup, or
    /sys/fs/cgroup/unified on a hybrid system)."""
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == "cgroup2":
            return Path(fields[1])
    return None


def find_cgroup2() -> Path:
    try:
        mount = cgroup2_mount(Path("/proc/mounts").read_text())
    except OSError:
        mount = None
    if mount is None:
        raise QvError("no cgroup v2 hierarchy is mounted (see /proc/mounts): the partition drill moves the "
                      "host's processes into a cgroup v2 that nftables can match", ExitStatus.MISSING_TOOL)
    return mount


def cgroup_name(env: str, host: str) -> str:
    return f"qv-{env}-{host}"


def nft_cgroup(cgroup_dir: Path, mount: Path) -> tuple[str, int]:
    """What nft's `socket cgroupv2 level N "PATH"` needs: PATH relative to /sys/fs/cgroup (nft
    resolves it there), and the cgroup's depth below the cgroup2 root."""
    level = len(cgroup_dir.relative_to(mount).parts)
    try:
        relative = cgroup_dir.relative_to(SYSFS_CGROUP)
    except ValueError:
        raise QvError(f"{cgroup_dir} is not under {SYSFS_CGROUP}, where nft looks cgroups up",
                      ExitStatus.FAILED) from None
    return str(relative), level


def nft_table(env: str) -> str:
    """The environment's own nftables table (inet family): nothing else is ever touched."""
    return "qv_" + re.sub(r"[^a-z0-9_]", "_", env.lower()) + "_drill"


@dataclass(frozen=True)
class Flow:
    """One TCP connection as the host's side sees it: its local and remote address and port."""

    local: str
    local_port: int
    remote: str
    remote_port: int


def _family(address: str) -> str:
    return "ip6" if ipaddress.ip_address(address).version == 6 else "ip"


def nft_ruleset(table: str, address: str, cgroup_path: str, level: int, flows: Iterable[Flow]) -> str:
    """The `nft -f` script of a partition: atomic, and it replaces any older table of the same name."""
    family = _family(address)
    rules = [
        f"{family} daddr {address} drop",
        f"{family} saddr {address} drop",
        f'socket cgroupv2 level {level} "{cgroup_path}" drop',
    ]
    for flow in sorted(set(flows), key=lambda f: (f.local, f.local_port, f.remote, f.remote_port)):
        fam = _family(flow.local)
        rules.append(f"{fam} saddr {flow.local} tcp sport {flow.local_port} "
                     f"{fam} daddr {flow.remote} tcp dport {flow.remote_port} drop")
        rules.append(f"{fam} saddr {flow.remote} tcp sport {flow.remote_port} "
                     f"{fam} daddr {flow.local} tcp dport {flow.local_port} drop")
    body = "\n".join(f"    {rule}" for rule in rules)
    return (f"table inet {table} {{}}\n"
            f"delete table inet {table}\n"
            f"table inet {table} {{\n"
            f"  chain output {{\n"
            f"    type filter hook output priority filter; policy accept;\n"
            f"{body}\n"
            f"  }}\n"
            f"}}\n")


_TCP_OPEN = {"01", "02", "03"}  # ESTABLISHED, SYN_SENT, SYN_RECV


def _ipv4(hex_address: str) -> str:
    return str(ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(hex_address), "little")))


def parse_flows(proc_net_tcp: str, inodes: set[int]) -> list[Flow]:
    """Open connections of a /proc/net/tcp text whose socket inode is one of `inodes`."""
    flows = []
    for line in proc_net_tcp.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] not in _TCP_OPEN or int(fields[9]) not in inodes:
            continue
        local, local_port = fields[1].split(":")
        remote, remote_port = fields[2].split(":")
        flows.append(Flow(_ipv4(local), int(local_port, 16), _ipv4(remote), int(remote_port, 16)))
    return flows


def _socket_inodes(pids: Iterable[int]) -> set[int]:
    inodes: set[int] = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(int(target[8:-1]))
    return inodes


def outgoing_flows(pids: Iterable[int], address: str) -> list[Flow]:
    """Connections the processes opened themselves (their local address is not the host's: on
    loopback they leave from 127.0.0.1); those they accepted are cut by the address rules."""
    flows = parse_flows(Path("/proc/net/tcp").read_text(), _socket_inodes(pids))
    return [f for f in flows if f.local != address]


def _run_nft(nft: str, args: list[str], script: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nft, *args], input=script, capture_output=True, text=True, timeout=30, check=False)


def process_cgroup(pid: int) -> str | None:
    """A process's cgroup v2 path ("0::/path" line of /proc/<pid>/cgroup)."""
    try:
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return line[3:]
    except OSError:
        return None
    return None


@dataclass
class Partition:
    """Cut a host off the network and put it back; `heal()` is safe to call at any point, twice."""

    env: str
    host: str
    address: str
    paths: EnvPaths
    nft: str
    mount: Path = field(default_factory=find_cgroup2)
    pids: list[int] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    at: float = 0.0  # monotonic: when the rules took effect
    _origins: dict[int, str] = field(default_factory=dict)

    @property
    def cgroup(self) -> Path:
        return self.mount / cgroup_name(self.env, self.host)

    def apply(self) -> None:
        self.cgroup.mkdir(exist_ok=True)
        # Twice: a process forked while the first pass ran is caught by the second.
        for _ in range(2):
            _, pids = host_processes(self.paths, self.host, self.address)
            if not pids:
                raise QvError(f"no running process of {self.host} to partition")
            for pid in pids:
                if pid in self._origins:
                    continue
                origin = process_cgroup(pid)
                with contextlib.suppress(ProcessLookupError, FileNotFoundError):
                    (self.cgroup / "cgroup.procs").write_text(str(pid))
                    self._origins[pid] = origin or "/"
        self.pids = sorted(self._origins)
        self.flows = outgoing_flows(self.pids, self.address)
        path, level = nft_cgroup(self.cgroup, self.mount)
        done = _run_nft(self.nft, ["-f", "-"], nft_ruleset(nft_table(self.env), self.address, path, level,
                                                           self.flows))
        if done.returncode != 0:
            raise QvError(f"nft refused the partition rules: {done.stderr.strip()[:300]}")
        self.at = time.monotonic()  # in effect from here: a write started later cannot reach the host

    def heal(self) -> None:
        remove_table(self.nft, self.env)
        release_cgroup(self.cgroup, self.mount, self._origins)


def remove_table(nft: str, env: str) -> bool:
    """Delete the environment's drill table; True if there was one."""
    table = nft_table(env)
    listed = _run_nft(nft, ["list", "table", "inet", table])
    if listed.returncode != 0:
        return False
    done = _run_nft(nft, ["delete", "table", "inet", table])
    if done.returncode != 0:
        raise QvError(f"nft could not delete table inet {table}: {done.stderr.strip()[:300]}")
    return True


def release_cgroup(cgroup: Path, mount: Path, origins: dict[int, str] | None = None) -> int:
    """Move every process of a drill cgroup back where it came from (the root when unknown), then
    remove the cgroup; returns how many processes were moved."""
    if not cgroup.is_dir():
        return 0
    moved = 0
    for _ in range(5):
        try:
            members = [int(p) for p in (cgroup / "cgroup.procs").read_text().split()]
        except OSError:
            members = []
        if not members:
            break
        for pid in members:
            target = mount / (origins or {}).get(pid, "/").lstrip("/")
            if not (target / "cgroup.procs").exists():
                target = mount
            with contextlib.suppress(ProcessLookupError, FileNotFoundError, OSError):
                (target / "cgroup.procs").write_text(str(pid))
                moved += 1
    with contextlib.suppress(OSError):
        cgroup.rmdir()
    if cgroup.exists():
        raise QvError(f"could not remove the drill cgroup {cgroup} (processes still in it: "
                      f"{(cgroup / 'cgroup.procs').read_text().split()})")
    return moved


def leftover_cgroups(mount: Path, env: str, hosts: Iterable[str]) -> list[Path]:
    """The drill cgroups of this environment's hosts that exist (by exact name: `qv-local-*` would
    also match another environment's `qv-local-d-db1`)."""
    return [mount / cgroup_name(env, host) for host in hosts if (mount / cgroup_name(env, host)).is_dir()]
