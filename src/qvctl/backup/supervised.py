"""The local platform's backup scheduler: `qvctl backup schedule ENV` as a supervisord program.

Cloud database hosts fire the spec's schedules with systemd timers (roles/pgbackrest); a local
environment has no systemd, and its "hosts" are addresses on one machine, so one scheduler per
environment runs beside the emulator, started by `qvctl up` (not by the pgbackrest role: it runs
qvctl from this checkout, which Ansible's hosts know nothing about). It asks Patroni for the leader
at each fire time, as the timers' ExecCondition does on each host.
"""

from __future__ import annotations

from pathlib import Path

from qvctl.platform import supervisor
from qvctl.platform.paths import EnvPaths

PROGRAM = "backup-scheduler"


def log_file(paths: EnvPaths) -> Path:
    return paths.run_log_dir / f"{PROGRAM}.log"


def program(paths: EnvPaths, python: str) -> supervisor.Program:
    return supervisor.Program(
        PROGRAM, f"the backup schedules of the '{paths.env}' environment (backup.schedule).",
        f"{python} -m qvctl backup schedule {paths.env}", paths.root, log_file(paths), priority=900,
        environment={"QV_ROOT": str(paths.root), "PYTHONUNBUFFERED": "1"}, startsecs=2, stopwaitsecs=30)


def install(paths: EnvPaths, python: str) -> str:
    """Write the program file, apply it, and wait until it runs."""
    paths.run_log_dir.mkdir(parents=True, exist_ok=True)
    changed = supervisor.write_program(paths, program(paths, python))
    supervisor.update(paths)
    proc = supervisor.wait_running(paths, PROGRAM, timeout=30)
    return f"{'started' if changed else 'running'} (pid {proc.pid}), log {log_file(paths)}"
