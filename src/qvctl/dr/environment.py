"""Everything a drill needs to reach a local environment: its clusters, TLS material, credentials, tools."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from qvctl.context import Context, QvError
from qvctl.dr.cluster import ClusterSpec, Etcd, Patroni, cluster_specs
from qvctl.exit_status import ExitStatus
from qvctl.platform import credentials, supervisor, tokens
from qvctl.platform.components import edge_component
from qvctl.platform.health import Trust
from qvctl.platform.paths import EnvPaths
from qvctl.spec import Environment


@dataclass
class DrEnv:
    ctx: Context
    spec: Environment
    paths: EnvPaths
    clusters: dict[str, ClusterSpec]
    trust: Trust
    credentials: tuple[str, str]  # Patroni REST API (unsafe methods)
    psql: str
    nft: str

    @classmethod
    def open(cls, ctx: Context, spec: Environment) -> DrEnv:
        require_local(spec)
        paths = EnvPaths.of(ctx, spec.name)
        if not supervisor.is_running(paths):
            raise QvError(f"{spec.name} is not running (its supervisord does not answer): qvctl up {spec.name}",
                          ExitStatus.UNREACHABLE)
        clusters = cluster_specs(spec)
        if set(clusters) != {"primary", "dr"}:
            raise QvError(f"{spec.name} has no DR standby cluster (hosts.database_dr): the drills need both "
                          "clusters", ExitStatus.INVALID_INPUT)
        missing = [tool for tool in ("psql", "nft", "runuser") if ctx.which(tool) is None]
        if missing:
            raise QvError(f"missing {', '.join(missing)}: apt-get install -y postgresql-client nftables util-linux",
                          ExitStatus.MISSING_TOOL)
        return cls(ctx, spec, paths, clusters, Trust.of(paths), patroni_credentials(spec, paths),
                   ctx.which("psql") or "psql", ctx.which("nft") or "nft")

    @property
    def name(self) -> str:
        return self.spec.name

    def verify(self) -> ssl.SSLContext:
        """The environment CA, and qvctl's client certificate for the services that ask for one."""
        return self.trust.context()

    def api_token(self) -> str:
        """The drill's writes belong to a user of their own (and only it can read them back)."""
        return tokens.service_token(self.paths, self.spec, "qvctl-dr-drill")

    def ca_only(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.paths.ca_cert))

    def patroni(self, timeout: float = 2.0) -> Patroni:
        return Patroni(self.verify(), self.credentials, timeout)

    def etcd(self, key: str) -> Etcd:
        return Etcd(self.verify(), self.clusters[key])

    @property
    def edge_url(self) -> str:
        return f"https://{edge_component(self.spec).address}"


def require_local(spec: Environment) -> None:
    if spec.kind != "local" or spec.emulator is None:
        raise QvError(f"drills run against a local environment; {spec.name} is a {spec.kind} environment",
                      ExitStatus.INVALID_INPUT)


def patroni_credentials(spec: Environment, paths: EnvPaths) -> tuple[str, str]:
    """The `database/patroni-api` secret: Terraform names it, Secrets Manager (the emulator) holds it."""
    login = credentials.login(paths.root, spec, "database_rest_api")
    return login.username, login.password
