"""What runs in an environment and where: one row per component instance, derived from the spec.

Each component has the supervisor program(s) that run it and the health check it answers
itself (etcd's /health, Patroni's /health, Redis' PING, the API's /readyz, nginx with the
environment CA, Prometheus' /-/ready over mutual TLS). `status` and the health gate both read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from qvctl.spec import Environment


@dataclass(frozen=True)
class Component:
    name: str  # what `qvctl logs` and `status` call it
    host: str  # inventory host name (or "controller" for the emulator)
    address: str
    port: int
    program: str  # supervisor program base name
    check: str  # which health check (see health.CHECKS)
    description: str
    tls: bool = False  # does the component's own endpoint speak TLS (checked with the environment CA)

    @property
    def program_name(self) -> str:
        """Its supervisord program: `<program>-<host>` (roles/qv_service), the emulator's is its own."""
        return self.program if self.host == "controller" else f"{self.program}-{self.host}"


# inventory group -> (host name prefix, [(component, port name, program, check, description)]).
# A port name is a field of the spec's `ports` (environments/shared/ports.yaml), or "application".
_DATABASE_HOST = [
    ("etcd", "etcd_client", "etcd", "etcd", "etcd, Patroni's consensus store (mutual TLS)"),
    ("patroni", "patroni", "patroni", "patroni", "Patroni REST API (TLS; unsafe methods need credentials)"),
    ("postgresql", "postgresql", "patroni", "postgresql", "PostgreSQL (run by Patroni)"),
    ("pgbackrest", "pgbackrest", "pgbackrest", "pgbackrest", "pgBackRest TLS server (mutual TLS)"),
    ("postgres-exporter", "postgres_exporter", "postgres-exporter", "postgres_exporter",
     "PostgreSQL exporter (pg_monitor role on the socket)"),
]
_LOCAL_LAYOUT: dict[str, tuple[str, list[tuple[str, str, str, str, str]]]] = {
    "database": ("db", _DATABASE_HOST),
    # The standby cluster in the DR region: the same components, following the primary cluster.
    "database_dr": ("drdb", _DATABASE_HOST),
    "cache": ("cache", [("redis", "redis", "redis", "redis", "Redis cache (TLS)")]),
    "app": ("app", [("api", "application", "api", "api", "QuantumVest API instance")]),
    "edge": ("edge", [("nginx", "https", "nginx", "nginx", "nginx: TLS edge, load balancer of the API")]),
    "observability": ("obs", [
        ("prometheus", "prometheus", "prometheus", "ready", "Prometheus"),
        ("alertmanager", "alertmanager", "alertmanager", "ready", "Alertmanager"),
        ("node-exporter", "node_exporter", "node-exporter", "exporter", "node exporter (this machine)"),
        ("blackbox-exporter", "blackbox_exporter", "blackbox-exporter", "exporter",
         "blackbox exporter (probes the edge and the TLS endpoints)"),
    ]),
}


# TLS on the component's own port; only the emulator answers plain HTTP (on its host address).
_TLS_COMPONENTS = {"nginx", "redis", "postgresql", "etcd", "patroni", "pgbackrest", "api",
                   # mutual TLS: only Prometheus' (and qvctl's, Grafana's) certificates get in
                   "prometheus", "alertmanager",
                   "postgres-exporter", "node-exporter", "blackbox-exporter", "redis-exporter"}


def service_port(spec: Environment, name: str) -> int:
    """A port by its name in the spec's `ports`, or \"application\" for the API's own."""
    return spec.application.port if name == "application" else int(getattr(spec.ports, name))


@dataclass(frozen=True)
class LocalHost:
    group: str  # the spec's host group, also the inventory group
    name: str  # the inventory host name: the group's prefix and its position (db1, app2...)
    address: str


def local_hosts(spec: Environment) -> list[LocalHost]:
    """The hosts of a local environment, named as its generated inventory names them."""
    hosts: list[LocalHost] = []
    for group, (prefix, _) in _LOCAL_LAYOUT.items():
        spec_group = spec.hosts.get(group)
        for index, address in enumerate(spec_group.addresses or [] if spec_group else [], start=1):
            hosts.append(LocalHost(group, f"{prefix}{index}", address))
    return hosts


def local_components(spec: Environment) -> list[Component]:
    """The local environment's components, on the hosts of `local_hosts`."""
    rows: list[Component] = []
    if spec.emulator is not None:
        rows.append(Component("emulator", "controller", spec.emulator.address, spec.emulator.port, "emulator",
                              "emulator", "AWS emulator (moto server)"))
    for host in local_hosts(spec):
        for name, port, program, check, description in _LOCAL_LAYOUT[host.group][1]:
            rows.append(Component(name, host.name, host.address, service_port(spec, port), program, check, description,
                                  tls=name in _TLS_COMPONENTS))
    return rows


def edge_component(spec: Environment) -> Component:
    """nginx on the first edge host: where users (and the health gate) come in."""
    return next(c for c in local_components(spec) if c.name == "nginx")


def database_endpoint(spec: Environment, groups: tuple[str, ...], attrs: str) -> str:
    """A libpq URL over the database hosts of `groups`: clients keep the host `attrs` asks for."""
    hosts = ",".join(f"{h.address}:{spec.ports.postgresql}" for h in local_hosts(spec) if h.group in groups)
    return f"postgresql://{hosts}/{spec.database.name}?target_session_attrs={attrs}"


def endpoints(spec: Environment) -> list[tuple[str, str]]:
    """(URL, what it is) for the endpoint table printed at the end of `up`."""
    comps = local_components(spec)
    first = {(c.name, c.host.rstrip("0123456789")): c for c in reversed(comps)}
    rows: list[tuple[str, str]] = []
    edge = first.get(("nginx", "edge"))
    if edge is not None:
        rows.append((f"https://{edge.address}/api/v1/portfolios", "the QuantumVest API, through nginx (TLS)"))
        rows.append((f"https://{edge.address}/readyz", "API readiness through nginx"))
        rows.append((f"http://{edge.address}/", "redirects to HTTPS"))
    for c in comps:
        if c.name == "api":
            rows.append((f"https://{c.address}:{c.port}/readyz", f"API instance on {c.host} (behind nginx)"))
    if ("patroni", "db") in first:
        rows.append((database_endpoint(spec, ("database", "database_dr"), "read-write"),
                     "write endpoint: whichever member leads (TLS, scram)"))
        rows.append((database_endpoint(spec, ("database",), "prefer-standby"), "read endpoint: a replica if one is up"))
    for prefix, what in (("db", "the primary cluster"), ("drdb", "the DR standby cluster")):
        if ("patroni", prefix) in first:
            rows.append((f"https://{first['patroni', prefix].address}:{spec.ports.patroni}/cluster",
                         f"Patroni: {what}"))
    for (name, _), c in sorted(first.items()):
        if name == "redis":
            rows.append((f"rediss://{c.address}:{c.port}/0", "Redis (TLS, password in Secrets Manager)"))
        elif name == "prometheus":
            rows.append((f"https://{c.address}:{c.port}/", "Prometheus (mutual TLS: qvctl's certificate)"))
        elif name == "alertmanager":
            rows.append((f"https://{c.address}:{c.port}/", "Alertmanager (mutual TLS: qvctl's certificate)"))
        elif name == "emulator" and spec.emulator is not None:
            rows.append((f"http://{c.address}:{c.port}/", "AWS emulator (keys test/test)"))
            rows.append((f"https://localhost:{spec.emulator.tls_port}/", "AWS emulator over TLS (for pgBackRest)"))
    return rows
