"""The primary database cluster as backups see it: its members, their files, and who leads it now.

The leader is Patroni's answer (REST `GET /cluster`, asked of each member until one answers), never
a guess from the inventory order: after a failover the first host is a replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.components import LocalHost, local_hosts
from qvctl.platform.health import Trust
from qvctl.platform.paths import EnvPaths
from qvctl.spec import Environment

PRIMARY_GROUP = "database"
DR_GROUP = "database_dr"


@dataclass(frozen=True)
class Member:
    """A database host of a local environment, and where its files are (the roles' layout)."""

    name: str
    address: str
    group: str
    host_dir: Path
    pg_version: str

    @property
    def pgbackrest_config(self) -> Path:
        return self.host_dir / "etc" / "pgbackrest" / "pgbackrest.conf"

    @property
    def patroni_config(self) -> Path:
        return self.host_dir / "etc" / "patroni" / "patroni.yml"

    @property
    def data_dir(self) -> Path:
        return self.host_dir / "data" / "postgresql" / self.pg_version

    @property
    def socket_dir(self) -> Path:
        return self.host_dir / "run" / "postgresql"

    @property
    def patroni_program(self) -> str:
        return f"patroni-{self.name}"


def require_local(spec: Environment, what: str) -> None:
    if spec.kind != "local":
        raise QvError(f"{what} drives the local platform's hosts; {spec.name} is a cloud environment: its database "
                      "hosts run the same pgBackRest commands through their systemd timers and runbooks",
                      ExitStatus.INVALID_INPUT)


def members(spec: Environment, paths: EnvPaths, group: str = PRIMARY_GROUP) -> list[Member]:
    found = [Member(h.name, h.address, h.group, paths.hosts_dir / h.name, spec.database.versions.postgresql)
             for h in local_hosts(spec) if h.group == group]
    if not found:
        raise QvError(f"{spec.name} has no hosts in group {group}", ExitStatus.INVALID_INPUT)
    return found


def stanza(spec: Environment) -> str:
    """pgBackRest's name for the cluster in the repository (group_vars: qv_pgbackrest_stanza)."""
    return f"{spec.project}-{spec.name}"


def patroni_scope(spec: Environment, group: str = PRIMARY_GROUP) -> str:
    """Patroni's cluster name (roles/patroni: patroni_scope)."""
    return f"{spec.project}-{spec.name}" + ("-dr" if group == DR_GROUP else "")


def cluster_state(spec: Environment, paths: EnvPaths, group: str = PRIMARY_GROUP,
                  timeout: float = 5.0) -> dict[str, Any]:
    """Patroni's `GET /cluster`, from the first member that answers."""
    trust = Trust.of(paths)
    problems = []
    for member in members(spec, paths, group):
        url = f"https://{member.address}:{spec.ports.patroni}/cluster"
        try:
            with httpx.Client(verify=trust.context(), timeout=timeout) as client:
                response = client.get(url)
            if response.status_code == 200:
                data: dict[str, Any] = response.json()
                return data
            problems.append(f"{member.name}: HTTP {response.status_code}")
        except (httpx.HTTPError, OSError, ValueError) as err:
            problems.append(f"{member.name}: {type(err).__name__}")
    raise QvError(f"no Patroni member of {group} answers GET /cluster ({'; '.join(problems)}); "
                  f"is {spec.name} up? (qvctl status {spec.name})", ExitStatus.UNREACHABLE)


def leader_name(state: dict[str, Any]) -> str | None:
    for member in state.get("members", []):
        if member.get("role") in ("leader", "standby_leader") and member.get("state") == "running":
            return str(member["name"])
    return None


def leader(spec: Environment, paths: EnvPaths) -> Member:
    """The primary cluster's running leader, as Patroni reports it."""
    state = cluster_state(spec, paths)
    name = leader_name(state)
    if name is None:
        described = ", ".join(f"{m.get('name')} {m.get('role')} {m.get('state')}" for m in state.get("members", []))
        raise QvError(f"the primary cluster has no running leader ({described or 'no members'})",
                      ExitStatus.UNREACHABLE)
    for member in members(spec, paths):
        if member.name == name:
            return member
    raise QvError(f"Patroni's leader {name!r} is not a host of the spec's database group", ExitStatus.FAILED)


def hosts_of(spec: Environment, group: str) -> list[LocalHost]:
    return [h for h in local_hosts(spec) if h.group == group]
