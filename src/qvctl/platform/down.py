"""`qvctl down`: stop everything the environment started, remove its state, prove nothing is left.

Order: save what `--keep-data` keeps from the emulator while it still runs; stop supervisord
(which stops its children, the emulator included); stop any straggler that carries the
environment's marker; remove the state folder (or all of it but the kept data); then check
that no process of the environment and no listening socket on its addresses remains.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from qvctl.context import SYSTEM_STATE_ROOT, Context, QvError
from qvctl.platform import emulator, procscan, supervisor
from qvctl.platform.components import local_hosts
from qvctl.platform.paths import EnvPaths
from qvctl.platform.steps import Note, Step, StepRunner
from qvctl.platform.terraform_state import backend_file, read_backend
from qvctl.spec import Environment


def environment_addresses(spec: Environment) -> tuple[set[str], dict[str, set[int]]]:
    """Addresses the environment owns outright, plus (address, port) pairs it shares (the emulator)."""
    own = {a for group in spec.hosts.values() for a in group.addresses or []}
    shared: dict[str, set[int]] = {}
    if spec.emulator is not None:
        shared.setdefault(spec.emulator.address, set()).update({spec.emulator.port, spec.emulator.tls_port})
    return own, shared


def kept_paths(paths: EnvPaths) -> list[Path]:
    """What `--keep-data` keeps: every host's data folder, the CA, the emulator snapshot."""
    kept = [paths.pki_dir, paths.emulator_snapshot]
    if paths.hosts_dir.is_dir():
        kept += sorted(p / "data" for p in paths.hosts_dir.iterdir() if (p / "data").is_dir())
    return [p for p in kept if p.exists()]


def remove_state(paths: EnvPaths, keep_data: bool) -> None:
    if not paths.state.exists():
        return
    if not keep_data:
        shutil.rmtree(paths.state)
        return
    keep = {p.resolve() for p in kept_paths(paths)}

    def prune(folder: Path) -> None:
        for entry in folder.iterdir():
            resolved = entry.resolve() if not entry.is_symlink() else entry
            if resolved in keep:
                continue
            if entry.is_dir() and not entry.is_symlink() and any(k.is_relative_to(resolved) for k in keep):
                prune(entry)
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    prune(paths.state)


def stop_stragglers(paths: EnvPaths, grace: float = 10.0) -> list[int]:
    pids = procscan.environment_processes(paths.state)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(supervisor.pid_alive(p) for p in pids):
        time.sleep(0.2)
    for pid in pids:
        if supervisor.pid_alive(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    return pids


def save_emulator_snapshot(paths: EnvPaths, spec: Environment, state_bucket: str | None) -> str | None:
    if spec.emulator is None or not emulator.port_open(spec.emulator.address, spec.emulator.port):
        return None
    return emulator.save_snapshot(paths, spec.emulator.address, spec.emulator.port,
                                  [spec.regions.primary], state_bucket)


def _foreign(listener: procscan.Listener, paths: EnvPaths) -> bool:
    """Bound by processes of *another* environment's supervisord (e.g. a second checkout's `.qv/`)."""
    if not listener.pids:
        return False
    for pid in listener.pids:
        marker = procscan.process_marker(pid)
        config = procscan.supervising_config(pid)
        if marker == str(paths.state) or config == str(paths.supervisor_conf):
            return False
        if marker is None and config is None and not _names_other_state(pid, paths):
            return False  # nobody's: it may well be ours, having shed its environment
    return True


def _names_other_state(pid: int, paths: EnvPaths) -> bool:
    """An orphan (e.g. a postgres whose Patroni died) whose command line names another state folder."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    root = f"{paths.state.parent}/"
    return root in cmdline and f"{paths.state}/" not in cmdline


def _owner(listener: procscan.Listener) -> str:
    pid = listener.pids[0]
    owner = procscan.process_marker(pid) or procscan.supervising_config(pid)
    if owner:
        return owner
    return f"pid {pid} ({procscan.process_name(pid)})"


def foreign_listeners(paths: EnvPaths, spec: Environment) -> list[procscan.Listener]:
    """Sockets on this environment's addresses held by another environment: `up` cannot bind them."""
    own, shared = environment_addresses(spec)
    return [s for s in procscan.listeners(own, shared) if _foreign(s, paths)]


def describe_foreign(sockets: list[procscan.Listener]) -> str:
    owners: dict[str, list[str]] = {}
    for s in sockets:
        owners.setdefault(_owner(s), []).append(f"{s.address}:{s.port}")
    return "; ".join(f"{', '.join(addrs[:4])}{' ...' if len(addrs) > 4 else ''} held by {owner}"
                     for owner, addrs in sorted(owners.items()))


def verify_gone(paths: EnvPaths, spec: Environment, wait: float = 10.0) -> str:
    """Raise if a process of the environment or a listening socket on its addresses remains.

    A socket held by a process that belongs to another environment's supervisord is not ours
    to stop; it is named in the result instead of failing `down`.
    """
    own, shared = environment_addresses(spec)
    deadline = time.monotonic() + wait
    while True:
        left_processes = procscan.environment_processes(paths.state)
        sockets = procscan.listeners(own, shared)
        foreign = [s for s in sockets if _foreign(s, paths)]
        left_sockets = [s for s in sockets if s not in foreign]
        if not left_processes and not left_sockets:
            if foreign:
                owners: dict[str, int] = {}
                for s in foreign:
                    owners[_owner(s)] = owners.get(_owner(s), 0) + 1
                return "nothing of ours left; other environments listen on these addresses: " + ", ".join(
                    f"{count} sockets of {owner}" for owner, count in sorted(owners.items()))
            return "no process, no listening socket"
        if time.monotonic() >= deadline:
            parts = []
            if left_processes:
                parts.append("processes " + ", ".join(f"{p} ({procscan.process_name(p)})" for p in left_processes))
            if left_sockets:
                parts.append("listening " + ", ".join(s.describe() for s in left_sockets))
            raise QvError("still running after down: " + "; ".join(parts))
        time.sleep(0.3)


# --- the steps of `qvctl down`, in the order they run -----------------------------------------


@dataclass
class DownRun:
    ctx: Context
    spec: Environment
    paths: EnvPaths
    keep_data: bool


def remove_drill_leftovers(run: DownRun, note: Note) -> str:
    """What an interrupted `qvctl dr drill` may have left: its partition's nftables table and the
    cgroups the partitioned host's processes were moved into (moved back before removal)."""
    from qvctl.dr import faults

    removed = []
    nft = run.ctx.which("nft")
    if nft is not None and faults.remove_table(nft, run.spec.name):
        removed.append(f"nft table inet {faults.nft_table(run.spec.name)}")
    try:
        mount = faults.cgroup2_mount(Path("/proc/mounts").read_text())
    except OSError:
        mount = None
    if mount is not None:
        hosts = [host.name for host in local_hosts(run.spec)]
        for cgroup in faults.leftover_cgroups(mount, run.spec.name, hosts):
            faults.release_cgroup(cgroup, mount)
            removed.append(f"cgroup {cgroup}")
    return "removed " + ", ".join(removed) if removed else "none"


def save_kept_emulator_data(run: DownRun, note: Note) -> str:
    bucket = read_backend(backend_file(run.paths.root, run.spec.name)).bucket
    return save_emulator_snapshot(run.paths, run.spec, bucket) or "emulator not running"


def stop_supervisord(run: DownRun, note: Note) -> str:
    return supervisor.stop(run.paths)


def stop_leftover_processes(run: DownRun, note: Note) -> str:
    pids = stop_stragglers(run.paths)
    return f"stopped {len(pids)} left-over processes" if pids else "none"


def check_nothing_listens(run: DownRun, note: Note) -> str:
    return verify_gone(run.paths, run.spec)


def remove_state_folder(run: DownRun, note: Note) -> str:
    kept = kept_paths(run.paths) if run.keep_data else []
    remove_state(run.paths, run.keep_data)
    if kept:
        return "kept " + ", ".join(str(p.relative_to(run.paths.state)) for p in kept)
    # The checkout's state root goes with its last environment, and the clone's link with it.
    root = run.paths.state.parent
    if root.parent == SYSTEM_STATE_ROOT and root.is_dir() and not any(root.iterdir()):
        root.rmdir()
        link = run.ctx.state_link
        if link.is_symlink() and not link.exists():
            link.unlink()
    return f"removed {run.paths.state}"


STEPS: list[Step[DownRun]] = [
    Step("remove a drill's network partition", remove_drill_leftovers),
    Step("save the emulator's data", save_kept_emulator_data, when=lambda run: run.keep_data),
    Step("stop supervisord and its programs", stop_supervisord),
    Step("stop left-over processes", stop_leftover_processes),
    Step("check nothing is left listening", check_nothing_listens),
    Step("remove the state folder", remove_state_folder),
]


def tear_down(ctx: Context, spec: Environment, keep_data: bool, console: Console) -> None:
    runner = StepRunner(console, resume_hint="run `qvctl down` again to finish")
    runner.run_all(STEPS, DownRun(ctx, spec, EnvPaths.of(ctx, spec.name), keep_data))
