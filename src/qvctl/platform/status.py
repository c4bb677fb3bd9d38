"""`qvctl status`: each component with its address, port, supervisor state and own health."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from qvctl.platform import health, supervisor
from qvctl.platform.components import Component
from qvctl.platform.paths import EnvPaths


@dataclass(frozen=True)
class StatusRow:
    component: str
    host: str
    address: str
    port: int
    program: str | None
    process: str  # supervisor state name, or "not configured" / "supervisord down"
    pid: int | None
    healthy: bool
    health: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def find_process(component: Component, table: list[supervisor.ProcessState]) -> supervisor.ProcessState | None:
    return next((proc for proc in table if component.program_name in (proc.name, proc.full_name)), None)


def collect(paths: EnvPaths, components: list[Component]) -> list[StatusRow]:
    table = supervisor.processes(paths)
    running = bool(table) or supervisor.is_running(paths)
    trust = health.Trust.of(paths)

    def row(component: Component) -> StatusRow:
        proc = find_process(component, table)
        if proc is None:
            state = "not configured" if running else "supervisord down"
        else:
            state = proc.state
        result = health.check(component, trust, timeout=2.0)
        return StatusRow(component.name, component.host, component.address, component.port,
                         proc.full_name if proc else None, state, proc.pid if proc and proc.pid else None,
                         result.healthy, result.detail)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(row, components))
