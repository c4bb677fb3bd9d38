"""The two database clusters as Patroni sees them: their members (REST `/cluster`, `/patroni`), their
dynamic configuration (`/config`), and the few things a drill reads from PostgreSQL itself.

The primary cluster (inventory group `database`) and the DR standby cluster (`database_dr`) each have
their own etcd and Patroni scope. Either may be the one that accepts writes: after a failover to the
DR region the DR cluster leads and the primary cluster is a standby cluster following it.
Patroni's REST API is read over TLS with the environment CA and qvctl's client certificate; the
unsafe methods (PATCH /config) use the `database/patroni-api` credentials from Secrets Manager.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import yaml

from qvctl.backup.cluster import DR_GROUP, PRIMARY_GROUP, hosts_of, patroni_scope
from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.components import LocalHost
from qvctl.platform.paths import EnvPaths
from qvctl.spec import Environment

LEADER_ROLES = {"leader", "master", "primary", "standby_leader"}
RUNNING_STATES = {"running", "streaming"}


@dataclass(frozen=True)
class ClusterSpec:
    """One Patroni cluster of the environment, as its inventory group defines it."""

    key: str  # "primary" or "dr": which region's cluster
    group: str  # the inventory group
    scope: str  # Patroni's scope (its etcd prefix /service/<scope>/)
    hosts: tuple[LocalHost, ...]
    patroni_port: int
    postgresql_port: int
    etcd_port: int

    def host(self, name: str) -> LocalHost:
        return next(h for h in self.hosts if h.name == name)

    def address(self, name: str) -> str:
        return self.host(name).address

    @property
    def names(self) -> list[str]:
        return [h.name for h in self.hosts]


def cluster_specs(spec: Environment) -> dict[str, ClusterSpec]:
    """The primary cluster and the DR standby cluster ('primary', 'dr'), as the patroni role names them."""
    found: dict[str, ClusterSpec] = {}
    for key, group in (("primary", PRIMARY_GROUP), ("dr", DR_GROUP)):
        hosts = tuple(hosts_of(spec, group))
        if hosts:
            found[key] = ClusterSpec(key, group, patroni_scope(spec, group), hosts, spec.ports.patroni,
                                     spec.ports.postgresql, spec.ports.etcd_client)
    return found


def other(key: str) -> str:
    return "dr" if key == "primary" else "primary"


def first_answer(attempts: Iterable[tuple[str, Callable[[], httpx.Response]]], what: str) -> dict[str, Any]:
    """The JSON of the first member that answers 200; else one error naming what each said."""
    errors = []
    for name, send in attempts:
        try:
            response = send()
        except httpx.HTTPError as err:
            errors.append(f"{name}: {type(err).__name__}")
            continue
        if response.status_code == 200:
            data = response.json()
            return data if isinstance(data, dict) else {}
        errors.append(f"{name}: {response.status_code} {response.text.strip()[:120]}")
    raise QvError(f"{what} failed: " + "; ".join(errors), ExitStatus.UNREACHABLE)


@dataclass(frozen=True)
class Member:
    name: str
    role: str  # leader, standby_leader, sync_standby, replica
    state: str  # running, streaming, starting, stopped, crashed...
    host: str
    timeline: int | None
    lag: int | None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Member:
        lag = data.get("lag")
        return cls(str(data.get("name", "")), str(data.get("role", "")), str(data.get("state", "")),
                   str(data.get("host", "")), data.get("timeline"), lag if isinstance(lag, int) else None)

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES


@dataclass(frozen=True)
class ClusterState:
    """A cluster's `/cluster` answer, from whichever member gave it."""

    members: tuple[Member, ...]
    source: str  # the member that answered

    @classmethod
    def of(cls, data: dict[str, Any], source: str) -> ClusterState:
        return cls(tuple(Member.of(m) for m in data.get("members", [])), source)

    @property
    def leader(self) -> Member | None:
        return next((m for m in self.members if m.role in LEADER_ROLES), None)

    @property
    def is_standby_cluster(self) -> bool:
        return self.leader is not None and self.leader.role == "standby_leader"

    @property
    def accepts_writes(self) -> bool:
        """Has a running leader that is not a standby leader: the cluster PostgreSQL writes go to."""
        return self.leader is not None and not self.is_standby_cluster and self.leader.running

    @property
    def sync_standbys(self) -> list[str]:
        return [m.name for m in self.members if m.role == "sync_standby" and m.running]

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)

    def summary(self) -> str:
        return ", ".join(f"{m.name} {m.role}/{m.state}" + (f" tl{m.timeline}" if m.timeline else "")
                         for m in self.members) or "no members"


class Patroni:
    """Patroni's REST API of the environment's clusters (one HTTP client; not shared across threads)."""

    def __init__(self, verify: Any, credentials: tuple[str, str], timeout: float = 2.0) -> None:
        self._client = httpx.Client(verify=verify, timeout=httpx.Timeout(timeout, connect=min(timeout, 1.0)))
        self._credentials = credentials

    def close(self) -> None:
        self._client.close()

    def _url(self, cluster: ClusterSpec, host: str, path: str) -> str:
        return f"https://{cluster.address(host)}:{cluster.patroni_port}{path}"

    def get(self, cluster: ClusterSpec, host: str, path: str) -> dict[str, Any] | None:
        """A member's answer, or None when it does not answer (down, partitioned) or is not JSON."""
        try:
            response = self._client.get(self._url(cluster, host, path))
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def cluster(self, cluster: ClusterSpec, skip: Iterable[str] = ()) -> ClusterState | None:
        """The cluster as the first answering member (not in `skip`) reports it."""
        skipped = set(skip)
        for host in cluster.names:
            if host in skipped:
                continue
            data = self.get(cluster, host, "/cluster")
            if data is not None and "members" in data:
                return ClusterState.of(data, host)
        return None

    def member_status(self, cluster: ClusterSpec, host: str) -> dict[str, Any] | None:
        """`/patroni` of one member: role, state, timeline, WAL positions, its replication clients."""
        return self.get(cluster, host, "/patroni")

    def config(self, cluster: ClusterSpec, skip: Iterable[str] = ()) -> dict[str, Any]:
        for host in cluster.names:
            if host not in set(skip):
                data = self.get(cluster, host, "/config")
                if data is not None:
                    return data
        raise QvError(f"no member of the {cluster.key} cluster ({cluster.scope}) answers GET /config",
                      ExitStatus.UNREACHABLE)

    def patch_config(self, cluster: ClusterSpec, patch: dict[str, Any],
                     order: list[str] | None = None) -> dict[str, Any]:
        """PATCH /config (Patroni merges it; a null value removes the key) through the first member,
        in `order`, that takes it. The member that takes it acts on it at once (it wakes up)."""
        return first_answer(
            ((host, partial(self._client.patch, self._url(cluster, host, "/config"), json=patch,
                            auth=self._credentials)) for host in order or cluster.names),
            f"PATCH /config of the {cluster.key} cluster")


    def reinitialize(self, cluster: ClusterSpec, host: str) -> str:
        """POST /reinitialize on a replica: Patroni empties its data folder and copies its leader again."""
        try:
            response = self._client.post(self._url(cluster, host, "/reinitialize"), json={"force": True},
                                         auth=self._credentials)
        except httpx.HTTPError as err:
            raise QvError(f"POST /reinitialize on {host}: {type(err).__name__}", ExitStatus.UNREACHABLE) from None
        if response.status_code != 200:
            raise QvError(f"POST /reinitialize on {host}: {response.status_code} {response.text.strip()[:200]}",
                          ExitStatus.FAILED)
        return response.text.strip()


def wal_position(status: dict[str, Any] | None, key: str = "replayed_location") -> int | None:
    """A member's WAL position from its `/patroni`: a primary's `location`, a standby's `key`."""
    if status is None:
        return None
    xlog = status.get("xlog") or {}
    value = xlog.get("location", xlog.get(key))
    return int(value) if isinstance(value, int) else None


def streaming_clients(status: dict[str, Any] | None) -> set[str]:
    """application_names streaming from a member (its `/patroni` replication list)."""
    if status is None:
        return set()
    return {str(r.get("application_name")) for r in status.get("replication") or []
            if r.get("state") == "streaming"}


# --- etcd: the clusters' consensus stores, through their JSON gateway (/v3) --------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def prefix_end(prefix: str) -> str:
    """etcd's range end for "every key starting with prefix": the prefix with its last byte + 1."""
    raw = prefix.encode()
    return (raw[:-1] + bytes([raw[-1] + 1])).decode()


class Etcd:
    """One cluster's etcd, reached with qvctl's client certificate (etcd requires one)."""

    def __init__(self, verify: Any, cluster: ClusterSpec, timeout: float = 3.0) -> None:
        self._client = httpx.Client(verify=verify, timeout=timeout)
        self._cluster = cluster

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return first_answer(
            ((host.name, partial(self._client.post, f"https://{host.address}:{self._cluster.etcd_port}{path}",
                                 json=body)) for host in self._cluster.hosts),
            f"etcd of the {self._cluster.key} cluster: {path}")

    def healthy(self) -> bool:
        for host in self._cluster.hosts:
            try:
                response = self._client.get(f"https://{host.address}:{self._cluster.etcd_port}/health")
            except httpx.HTTPError:
                return False
            if response.status_code != 200 or str(response.json().get("health")) != "true":
                return False
        return True

    def keys(self, prefix: str) -> list[str]:
        data = self._post("/v3/kv/range", {"key": _b64(prefix), "range_end": _b64(prefix_end(prefix)),
                                           "keys_only": True})
        return [base64.b64decode(kv["key"]).decode() for kv in data.get("kvs", [])]

    def get(self, key: str) -> str | None:
        data = self._post("/v3/kv/range", {"key": _b64(key)})
        kvs = data.get("kvs") or []
        return base64.b64decode(kvs[0]["value"]).decode() if kvs and "value" in kvs[0] else None

    def delete_prefix(self, prefix: str) -> int:
        data = self._post("/v3/kv/deleterange", {"key": _b64(prefix), "range_end": _b64(prefix_end(prefix))})
        return int(data.get("deleted", 0))

    def put(self, key: str, value: str) -> None:
        self._post("/v3/kv/put", {"key": _b64(key), "value": _b64(value)})


def patroni_prefix(cluster: ClusterSpec) -> str:
    """Where Patroni keeps a cluster in etcd (the role's `namespace: /service/`)."""
    return f"/service/{cluster.scope}/"


# --- what the hosts' own files say ------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFiles:
    """Where a member's PostgreSQL lives, as its Patroni configuration says (the role wrote it)."""

    data_dir: Path
    socket_dir: Path
    port: int


def member_files(paths: EnvPaths, host: str) -> MemberFiles:
    config_file = paths.hosts_dir / host / "etc" / "patroni" / "patroni.yml"
    try:
        config = yaml.safe_load(config_file.read_text())
        postgresql = config["postgresql"]
        parameters = postgresql.get("parameters") or {}
        return MemberFiles(Path(postgresql["data_dir"]), Path(str(parameters["unix_socket_directories"])),
                           int(parameters.get("port", 5432)))
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as err:
        raise QvError(f"cannot read {host}'s Patroni configuration {config_file}: {err}",
                      ExitStatus.FAILED) from None


def psql(paths: EnvPaths, host: str, database: str, sql: str, psql_binary: str,
         variables: dict[str, str] | None = None, timeout: float = 30.0) -> list[str]:
    """Run SQL on a member as the OS user postgres over its unix socket (peer authentication): it
    works whatever the network does, a partitioned host included. Values go in as psql variables
    (`:'name'` in the SQL, quoted by psql), the SQL through stdin. Returns the rows, one per line."""
    files = member_files(paths, host)
    argv = ["runuser", "-u", "postgres", "--", psql_binary, "-h", str(files.socket_dir), "-p", str(files.port),
            "-d", database, "-XAtq", "-v", "ON_ERROR_STOP=1", "-f", "-"]
    for name, value in (variables or {}).items():
        argv += ["-v", f"{name}={value}"]
    try:
        done = subprocess.run(argv, input=sql, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise QvError(f"psql on {host} did not answer in {timeout:.0f}s", ExitStatus.UNREACHABLE) from None
    if done.returncode != 0:
        raise QvError(f"psql on {host}: {done.stderr.strip()[:300]}", ExitStatus.FAILED)
    return [line for line in done.stdout.splitlines() if line]


def json_text(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"))
