"""The typed model of an environment spec (`environments/<env>.yaml`).

Types catch the shape; the validators below catch what types cannot: CIDRs that
overlap or sit outside their VPC, a production environment without three AZs, a retention shorter than
the point-in-time-recovery window. Every rule raises ValueError with a sentence that
reads well after the field path, because the loader prints exactly that.
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import re
import urllib.parse
from typing import Annotated, Literal

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qvctl.backup.calendar import CalendarError, oncalendar
from qvctl.kubernetes.quantities import cpu_millicores, memory_bytes
from qvctl.monitoring.burn_rates import FASTEST_BURN_RATE

_NAME = r"^[a-z][a-z0-9-]{0,30}$"
_K8S_QUANTITY_CPU = r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$"
_K8S_QUANTITY_MEM = r"^[0-9]+(Ki|Mi|Gi|Ti)?$"


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a spec must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _repeated(values: list[str]) -> list[str]:
    """The values listed more than once, each once, in the order of their second appearance."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _network(value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError) as err:
        reason = str(err)
        if "has host bits set" in reason:
            raise ValueError(f"{value!r} has host bits set") from None
        raise ValueError(f"{value!r} is not a valid CIDR") from None


Cidr = Annotated[str, Field(min_length=1)]


class Regions(Strict):
    primary: Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")]
    dr: Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")]

    @model_validator(mode="after")
    def _distinct(self) -> Regions:
        if self.primary == self.dr:
            raise ValueError(f"dr region {self.dr!r} must differ from the primary region")
        return self


class Subnets(Strict):
    public: list[Cidr]
    private_app: list[Cidr]
    private_data: list[Cidr]

    @field_validator("public", "private_app", "private_data")
    @classmethod
    def _parse(cls, value: list[str]) -> list[str]:
        for cidr in value:
            _network(cidr)
        return value

    def tiers(self) -> dict[str, list[str]]:
        return {"public": self.public, "private_app": self.private_app, "private_data": self.private_data}


class RegionNetwork(Strict):
    vpc_cidr: Cidr
    availability_zones: Annotated[list[str], Field(min_length=1, max_length=6)]
    nat: Literal["none", "single", "per_az"]
    subnets: Subnets

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc(cls, value: str) -> str:
        net = _network(value)
        if not 16 <= net.prefixlen <= 28:
            raise ValueError(f"{value!r} must have a prefix between /16 and /28 (AWS VPC limits)")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _unique_azs(cls, value: list[str]) -> list[str]:
        for zone in _repeated(value):
            raise ValueError(f"availability zone {zone!r} is listed twice")
        return value

    @model_validator(mode="after")
    def _subnets_fit(self) -> RegionNetwork:
        vpc = _network(self.vpc_cidr)
        azs = len(self.availability_zones)
        placed: list[tuple[str, ipaddress.IPv4Network]] = []
        for tier, cidrs in self.subnets.tiers().items():
            if len(cidrs) != azs:
                raise ValueError(
                    f"subnets.{tier} has {len(cidrs)} subnets for {azs} availability zones; give one per zone"
                )
            for cidr in cidrs:
                net = _network(cidr)
                if not net.subnet_of(vpc):
                    raise ValueError(f"subnets.{tier}: {cidr!r} is not inside the VPC {self.vpc_cidr}")
                placed.append((f"subnets.{tier}", net))
        for (where_a, a), (where_b, b) in itertools.combinations(placed, 2):
            if a.overlaps(b):
                raise ValueError(f"{where_a}: {str(a)!r} overlaps {where_b}: {str(b)!r}")
        return self


class Network(Strict):
    primary: RegionNetwork
    dr: RegionNetwork

    @model_validator(mode="after")
    def _regions_do_not_overlap(self) -> Network:
        # Cross-region replication and a later VPC peering need disjoint address space.
        if _network(self.primary.vpc_cidr).overlaps(_network(self.dr.vpc_cidr)):
            raise ValueError(
                f"primary VPC {self.primary.vpc_cidr} overlaps the dr VPC {self.dr.vpc_cidr}"
            )
        return self


class HostGroup(Strict):
    count: Annotated[int, Field(ge=0, le=50)]
    instance_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")] | None = None
    volume_gb: Annotated[int, Field(ge=8, le=16384)] | None = None
    addresses: list[str] | None = None

    @field_validator("addresses")
    @classmethod
    def _loopback(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        for address in value:
            try:
                ip = ipaddress.IPv4Address(address)
            except ValueError:
                raise ValueError(f"{address!r} is not an IPv4 address") from None
            if not ip.is_loopback:
                raise ValueError(f"{address!r} is not a loopback address (127.0.0.0/8)")
        for address in _repeated(value):
            raise ValueError(f"{address!r} is listed twice: each host needs its own address")
        return value

    @model_validator(mode="after")
    def _count_matches(self) -> HostGroup:
        if self.addresses is not None and len(self.addresses) != self.count:
            raise ValueError(f"count is {self.count} but {len(self.addresses)} addresses are listed")
        return self


class NodeGroup(Strict):
    name: Annotated[str, Field(pattern=_NAME)]
    instance_types: Annotated[list[str], Field(min_length=1)]
    min_size: Annotated[int, Field(ge=0)]
    desired_size: Annotated[int, Field(ge=0)]
    max_size: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _ordered(self) -> NodeGroup:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"sizes must satisfy min_size <= desired_size <= max_size, got "
                f"{self.min_size} <= {self.desired_size} <= {self.max_size}"
            )
        return self


class Kubernetes(Strict):
    version: Annotated[str, Field(pattern=r"^1\.(2[5-9]|3[0-7])$")]
    namespace: Annotated[str, Field(pattern=_NAME)]
    node_groups: list[NodeGroup]

    @field_validator("node_groups")
    @classmethod
    def _unique_names(cls, value: list[NodeGroup]) -> list[NodeGroup]:
        # Terraform keys the EKS node groups by name (for_each): a repeated name is a plan error.
        for name in _repeated([group.name for group in value]):
            raise ValueError(f"node group name {name!r} is used twice; Terraform keys node groups by name")
        return value


IMAGE_DIGEST_PATTERN = r"^sha256:[a-f0-9]{64}$"


class Image(Strict):
    repository: Annotated[str, Field(pattern=r"^[a-z0-9]+([._/-][a-z0-9]+)*$")]
    tag: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    # The registry's content address of the tag's image: a cloud environment runs `repository:tag@digest`,
    # so a tag pushed again (or a registry that lies) cannot change what runs. Required there (below).
    digest: Annotated[str, Field(pattern=IMAGE_DIGEST_PATTERN)] | None = None

    @field_validator("tag")
    @classmethod
    def _immutable(cls, value: str) -> str:
        if value == "latest":
            raise ValueError("'latest' is a moving tag; pin an immutable tag or a digest")
        return value


class Quantities(Strict):
    cpu: Annotated[str, Field(pattern=_K8S_QUANTITY_CPU)]
    memory: Annotated[str, Field(pattern=_K8S_QUANTITY_MEM)]


class Resources(Strict):
    requests: Quantities
    limits: Quantities

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Resources:
        # The API server rejects a pod whose request exceeds its limit; the rollout would never start.
        if cpu_millicores(self.requests.cpu) > cpu_millicores(self.limits.cpu):
            raise ValueError(f"requests.cpu {self.requests.cpu} is above limits.cpu {self.limits.cpu}")
        if memory_bytes(self.requests.memory) > memory_bytes(self.limits.memory):
            raise ValueError(f"requests.memory {self.requests.memory} is above limits.memory {self.limits.memory}")
        return self


class Replicas(Strict):
    min: Annotated[int, Field(ge=1, le=100)]
    max: Annotated[int, Field(ge=1, le=100)]

    @model_validator(mode="after")
    def _ordered(self) -> Replicas:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        return self


class Auth(Strict):
    """Whose tokens the API accepts. Locally `qvctl up` is the issuer (its key beside the environment
    CA, `qvctl token` mints); a cloud environment names its OIDC issuer's published keys."""

    issuer: Annotated[str, Field(pattern=r"^https://[^\s]+$")]
    audience: Annotated[str, Field(min_length=1, max_length=200)]
    jwks_url: Annotated[str, Field(pattern=r"^https://[^\s]+$")] | None = None


class RateLimit(Strict):
    """Per client address at the edge (nginx `limit_req` locally, the Ingress' limit-rps in the cloud)."""

    requests_per_second: Annotated[int, Field(ge=1, le=100_000)]
    burst: Annotated[int, Field(ge=0, le=1_000_000)]

    @model_validator(mode="after")
    def _burst_in_whole_seconds(self) -> RateLimit:
        # ingress-nginx takes the burst as a multiple of the rate (limit-burst-multiplier).
        if self.burst % self.requests_per_second:
            raise ValueError(
                f"burst {self.burst} must be a multiple of requests_per_second {self.requests_per_second} "
                "(the Ingress expresses it as a multiplier)"
            )
        return self


class Application(Strict):
    # Cloud only: the local environment runs the API from this checkout (or a release's git ref), not an image.
    image: Image | None = None
    port: Annotated[int, Field(ge=1024, le=65535)]
    # Local only: where a new release's instances listen beside the stable ones (same hosts) while
    # `qvctl deploy` moves traffic; in the cloud a new version is new pods.
    candidate_port: Annotated[int, Field(ge=1024, le=65535)] | None = None
    replicas: Replicas
    resources: Resources
    auth: Auth
    rate_limit: RateLimit


class DatabaseVersions(Strict):
    postgresql: Annotated[str, Field(pattern=r"^1[3-7]$")]
    patroni: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+(\.[0-9]+)?$")]
    etcd: Annotated[str, Field(pattern=r"^3\.[0-9]+(\.[0-9]+)?$")]
    pgbackrest: Annotated[str, Field(pattern=r"^2\.[0-9]+(\.[0-9]+)?$")]


class Database(Strict):
    nodes: Annotated[int, Field(ge=1, le=9)]
    synchronous_mode: bool
    versions: DatabaseVersions
    name: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]

    @model_validator(mode="after")
    def _sync_needs_replicas(self) -> Database:
        if self.synchronous_mode and self.nodes < 2:
            raise ValueError("synchronous_mode needs at least 2 nodes")
        return self


class Cache(Strict):
    node_type: Annotated[str, Field(min_length=1)]
    replicas: Annotated[int, Field(ge=0, le=5)]


class BackupSchedule(Strict):
    """Cron expressions, checked by the parser that fires them locally (cronsim) and by the conversion
    the cloud hosts' systemd timers get (qvctl.backup.calendar): both must accept them as they are."""

    full: str
    differential: str
    incremental: str

    @field_validator("full", "differential", "incremental")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            CronSim(value, datetime.datetime(2000, 1, 1))
            if len(value.split()) != 5:
                raise CronSimError("a schedule has 5 fields: minute hour day month weekday")
        except CronSimError as err:
            raise ValueError(f"{value!r} is not a valid cron expression ({err})") from None
        try:
            oncalendar(value)
        except CalendarError as err:
            raise ValueError(f"{value!r} cannot be a systemd timer: {err}") from None
        return value


class Backup(Strict):
    schedule: BackupSchedule
    retention_days: Annotated[int, Field(ge=1, le=3650)]
    pitr_window_days: Annotated[int, Field(ge=1, le=3650)]

    @model_validator(mode="after")
    def _retention_covers_pitr(self) -> Backup:
        if self.retention_days < self.pitr_window_days:
            raise ValueError(
                f"retention_days ({self.retention_days}) must be >= pitr_window_days "
                f"({self.pitr_window_days}): a restore point needs the backup before it"
            )
        return self


class Analysis(Strict):
    """How a new version is judged while it takes traffic: one measurement every `interval_seconds`."""

    interval_seconds: Annotated[int, Field(ge=1, le=3600)]
    # Of the requests a measurement counts, the share not answered 5xx: of the whole version, and
    # of each route that had at least `min_requests` of them; the lowest is judged.
    min_success_rate: Annotated[float, Field(ge=0, le=1)]
    max_p99_latency_ms: Annotated[int, Field(ge=1, le=60000)]
    # Fewer requests than this in a measurement, or no data, is inconclusive: never a pass.
    min_requests: Annotated[int, Field(ge=1, le=1_000_000)]
    # Failed measurements tolerated over the whole rollout; one more aborts it.
    failure_limit: Annotated[int, Field(ge=0, le=10)]
    # Inconclusive measurements in a row tolerated; one more aborts the rollout.
    inconclusive_limit: Annotated[int, Field(ge=0, le=100)]


class CanaryStep(Strict):
    weight: Annotated[int, Field(ge=1, le=100)]  # percent of requests the new version answers
    pause_seconds: Annotated[int, Field(ge=0, le=86400)]  # the least time the weight holds, judged all along


class BlueGreen(Strict):
    # Green serves only the smoke checks this long before the switch (Argo's autoPromotionSeconds).
    preview_seconds: Annotated[int, Field(ge=0, le=86400)]
    # After the switch blue stays up this long: a rollback inside it is one traffic switch.
    rollback_window_seconds: Annotated[int, Field(ge=0, le=86400)]


class Rollout(Strict):
    strategy: Literal["canary", "blue_green"]
    steps: Annotated[list[CanaryStep], Field(min_length=1)]
    analysis: Analysis
    blue_green: BlueGreen

    @field_validator("steps")
    @classmethod
    def _increasing_to_full(cls, value: list[CanaryStep]) -> list[CanaryStep]:
        weights = [step.weight for step in value]
        if any(b <= a for a, b in itertools.pairwise(weights)):
            raise ValueError(f"weights {weights} must strictly increase")
        if weights[-1] != 100:
            raise ValueError(f"weights {weights} must end at 100 (all traffic on the new version)")
        return value

    @model_validator(mode="after")
    def _judged(self) -> Rollout:
        # A step shorter than one measurement would move on without ever being judged.
        for index, step in enumerate(self.steps):
            if step.pause_seconds < self.analysis.interval_seconds:
                raise ValueError(
                    f"steps[{index}].pause_seconds ({step.pause_seconds}) is shorter than analysis.interval_seconds "
                    f"({self.analysis.interval_seconds}): the step would never be measured"
                )
        return self


class Receiver(Strict):
    name: Annotated[str, Field(pattern=_NAME)]
    type: Literal["email", "webhook"]
    to: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    url: Annotated[str, Field(pattern=r"^https?://")] | None = None
    url_secret: Annotated[str, Field(pattern=r"^[A-Za-z0-9/_+=.@-]+$")] | None = None

    @model_validator(mode="after")
    def _target(self) -> Receiver:
        if self.type == "email" and not self.to:
            raise ValueError(f"email receiver {self.name!r} needs 'to'")
        if self.type == "webhook" and (self.url is None) == (self.url_secret is None):
            raise ValueError(f"webhook receiver {self.name!r} needs exactly one of 'url' or 'url_secret'")
        return self


class Route(Strict):
    severity: Literal["critical", "warning", "info"]
    receiver: Annotated[str, Field(pattern=_NAME)]


Duration = Annotated[str, Field(pattern=r"^[1-9][0-9]*(s|m|h)$")]


def _is_loopback_url(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Alerting(Strict):
    default_receiver: str
    receivers: Annotated[list[Receiver], Field(min_length=1)]
    routes: list[Route]
    # Alertmanager's notification pacing: how long a new group waits for more alerts, how often
    # a changed group is re-notified, how often an unchanged firing group is repeated.
    group_wait: Duration = "30s"
    group_interval: Duration = "5m"
    repeat_interval: Duration = "4h"

    @model_validator(mode="after")
    def _receivers_exist(self) -> Alerting:
        names = [r.name for r in self.receivers]
        for name in _repeated(names):
            raise ValueError(f"receiver name {name!r} is used twice")
        # Alertmanager stops at the first matching route: a second route for a severity never receives anything.
        for severity in _repeated([route.severity for route in self.routes]):
            raise ValueError(f"routes: severity {severity!r} is routed twice; only the first route would ever match")
        for wanted in [self.default_receiver, *(r.receiver for r in self.routes)]:
            if wanted not in names:
                raise ValueError(f"receiver {wanted!r} is not defined in receivers")
        return self


# The bucket bounds of the API's latency histogram (services/api/src/quantumvest_api/metrics.py; a
# unit test keeps the two equal). The latency SLI counts the requests at or under one bound, so a
# threshold between two bounds cannot be measured.
API_LATENCY_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _objective(value: float) -> float:
    if not 0 < value < 1:
        raise ValueError(f"{value} must be between 0 and 1, both excluded (the fraction of good requests, "
                         "e.g. 0.999)")
    budget = 1 - value
    if FASTEST_BURN_RATE * budget >= 1:
        raise ValueError(
            f"{value} leaves an error budget of {budget:.1%}: the fast-burn alert (burn rate {FASTEST_BURN_RATE}) "
            f"would need more than 100% of requests to fail and could never fire; use an objective above "
            f"{1 - 1 / FASTEST_BURN_RATE:.4f}")
    return value


class AvailabilityObjective(Strict):
    # The fraction of requests (all but /metrics, /readyz, /healthz) answered without a 5xx.
    objective: float

    _objective = field_validator("objective")(_objective)


class LatencyObjective(Strict):
    # The fraction of requests answered within threshold_seconds.
    objective: float
    threshold_seconds: float

    _objective = field_validator("objective")(_objective)

    @field_validator("threshold_seconds")
    @classmethod
    def _a_bucket_bound(cls, value: float) -> float:
        if value not in API_LATENCY_BUCKETS:
            bounds = ", ".join(f"{b:g}" for b in API_LATENCY_BUCKETS)
            raise ValueError(f"{value:g} is not a bucket bound of the API's latency histogram ({bounds}): "
                             "the latency SLI counts requests at or under one bound")
        return value


class Slo(Strict):
    """The API's service level objectives over the SLO period (burn_rates.PERIOD_DAYS); the burn-rate
    alerts of monitoring/generated/<env>/rules/slo.yml are rendered from them."""

    availability: AvailabilityObjective
    latency: LatencyObjective


class Emulator(Strict):
    address: str
    port: Annotated[int, Field(ge=1024, le=65535)]
    # HTTPS in front of the emulator, for clients that speak only HTTPS to S3 (pgBackRest).
    tls_port: Annotated[int, Field(ge=1024, le=65535)]

    @field_validator("address")
    @classmethod
    def _loopback(cls, value: str) -> str:
        if not ipaddress.IPv4Address(value).is_loopback:
            raise ValueError(f"{value!r} is not a loopback address: the emulator never leaves this machine")
        return value

    @model_validator(mode="after")
    def _two_ports(self) -> Emulator:
        if self.port == self.tls_port:
            raise ValueError(f"tls_port {self.tls_port} must differ from port")
        return self


Port = Annotated[int, Field(ge=1, le=65535)]


class Ports(Strict):
    """Every platform service's port (environments/shared/ports.yaml, the same in every environment)."""

    https: Port
    http: Port
    postgresql: Port
    patroni: Port
    etcd_client: Port
    etcd_peer: Port
    pgbackrest: Port
    redis: Port
    prometheus: Port
    alertmanager: Port
    node_exporter: Port
    postgres_exporter: Port
    redis_exporter: Port
    nginx_exporter: Port
    nginx_status: Port
    blackbox_exporter: Port

    @model_validator(mode="after")
    def _distinct(self) -> Ports:
        seen: dict[int, str] = {}
        for service, port in self.model_dump().items():
            if port in seen:
                raise ValueError(f"{service} and {seen[port]} both use port {port}")
            seen[port] = service
        return self


class Environment(Strict):
    # Any name: an environment is a file environments/<name>.yaml. What it is, and so which
    # rules it must meet, is said by `kind` (where it runs) and `tier` (how much it matters).
    name: Annotated[str, Field(pattern=_NAME)]
    kind: Literal["local", "cloud"]
    tier: Literal["development", "staging", "production"]
    project: Annotated[str, Field(pattern=_NAME)]
    domain: Annotated[str, Field(pattern=r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")]
    # The AWS account the environment lives in; Terraform refuses any other (allowed_account_ids).
    account_id: Annotated[str, Field(pattern=r"^[0-9]{12}$")]
    regions: Regions
    emulator: Emulator | None = None
    network: Network
    # Host groups are Ansible inventory groups too (database, database_dr, app, ...).
    hosts: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,30}$")], HostGroup]
    kubernetes: Kubernetes
    application: Application
    database: Database
    cache: Cache
    backup: Backup
    rollout: Rollout
    alerting: Alerting
    slo: Slo
    # Not written in the spec file: the loader adds environments/shared/ports.yaml.
    ports: Ports

    @model_validator(mode="after")
    def _environment_rules(self) -> Environment:
        local = self.kind == "local"
        if local and self.tier == "production":
            raise ValueError("tier: a local environment cannot be production (it runs on one machine)")
        if local and self.emulator is None:
            raise ValueError("a local environment needs an 'emulator' block")
        if not local and self.emulator is not None:
            raise ValueError("only a local environment talks to the emulator")
        for group_name, group in self.hosts.items():
            if local and group.addresses is None:
                raise ValueError(f"hosts.{group_name}: local hosts need 'addresses'")
            if not local and group.addresses is not None:
                raise ValueError(f"hosts.{group_name}: cloud hosts are found by tag, not listed by address")
            if not local and group.count > 0 and group.instance_type is None:
                raise ValueError(f"hosts.{group_name}: needs an instance_type")
        for receiver in self.alerting.receivers:
            # A webhook URL is a credential (whoever has it can page on-call): a cloud environment
            # names its Secrets Manager secret. Only a local test receiver on loopback is literal.
            if receiver.url is not None and not (local and _is_loopback_url(receiver.url)):
                raise ValueError(
                    f"alerting.receivers.{receiver.name}.url: only a local environment's loopback receiver may be "
                    "a literal URL; use url_secret (a Secrets Manager name)"
                )
        if local:
            self._addresses_distinct()
        else:
            if not self.kubernetes.node_groups:
                raise ValueError("kubernetes.node_groups: a cloud environment needs at least one node group")
            self._cloud_cache()
        database_hosts = self.hosts.get("database")
        if database_hosts is None or database_hosts.count != self.database.nodes:
            got = database_hosts.count if database_hosts else 0
            raise ValueError(f"hosts.database.count ({got}) must equal database.nodes ({self.database.nodes})")
        if self.tier == "production":
            standby = self.hosts.get("database_dr")
            if standby is None or standby.count < 2:
                raise ValueError(
                    "hosts.database_dr.count: production needs a standby cluster of at least 2 nodes in the DR region, "
                    f"got {standby.count if standby else 0}"
                )
            for region in ("primary", "dr"):
                net: RegionNetwork = getattr(self.network, region)
                if len(net.availability_zones) < 3:
                    raise ValueError(f"network.{region}: production needs 3 availability zones")
                if net.nat != "per_az":
                    raise ValueError(f"network.{region}.nat: production needs a NAT gateway per AZ ('per_az')")
            if self.database.nodes < 3:
                raise ValueError(
                    f"database.nodes: production needs at least 3 database nodes, got {self.database.nodes}")
            if not self.database.synchronous_mode:
                raise ValueError("database.synchronous_mode: production must replicate synchronously")
            if self.application.replicas.min < 2:
                raise ValueError("application.replicas.min: production needs at least 2 replicas")
        if self.application.port in self.ports.model_dump().values():
            raise ValueError(f"application.port: {self.application.port} is the port of another platform service")
        candidate = self.application.candidate_port
        if local and candidate is None:
            raise ValueError(
                "application.candidate_port: a local environment needs a port for a new release's instances"
            )
        if not local and candidate is not None:
            raise ValueError(
                "application.candidate_port: only a local environment runs releases side by side on its hosts"
            )
        if local and self.application.auth.jwks_url is not None:
            raise ValueError("application.auth.jwks_url: the local environment's issuer is qvctl itself; remove it")
        if not local and self.application.auth.jwks_url is None:
            raise ValueError("application.auth.jwks_url: a cloud environment needs its issuer's published keys (JWKS)")
        image = self.application.image
        if local and image is not None:
            raise ValueError("application.image: a local environment runs the API from this checkout, not an image; "
                             "remove it")
        if not local and image is None:
            raise ValueError("application.image: a cloud environment needs the API's image (repository, tag, digest)")
        if image is not None and image.digest is None:
            raise ValueError(
                f"application.image.digest: a cloud environment pins its image by digest; add the sha256 digest "
                f"of {image.repository}:{image.tag} next to its tag (digest: \"sha256:<64 hex digits>\")"
            )
        taken = {self.application.port, *self.ports.model_dump().values()}
        if candidate is not None and candidate in taken:
            raise ValueError(f"application.candidate_port: {candidate} is the port of another service")
        for region in ("primary", "dr"):
            net = getattr(self.network, region)
            expected = getattr(self.regions, region)
            for az in net.availability_zones:
                if not re.fullmatch(re.escape(expected) + r"[a-z]", az):
                    raise ValueError(f"network.{region}.availability_zones: {az!r} is not a zone of {expected}")
        return self

    def _addresses_distinct(self) -> None:
        """Every local service keeps its standard port, so two hosts (or a host and the emulator) on
        one address would fight over the same ports."""
        owner: dict[str, str] = {}
        if self.emulator is not None:
            owner[self.emulator.address] = "emulator.address"
        for group_name, group in self.hosts.items():
            for address in group.addresses or []:
                where = f"hosts.{group_name}.addresses"
                if address in owner:
                    raise ValueError(f"hosts: {address} is used by both {owner[address]} and {where}")
                owner[address] = where

    def _cloud_cache(self) -> None:
        """What Terraform's cache module accepts (terraform/modules/cache/variables.tf), said before a plan."""
        if not self.cache.node_type.startswith("cache."):
            raise ValueError(f"cache.node_type: {self.cache.node_type!r} is not an ElastiCache node type (cache.*)")
        if self.cache.replicas < 1:
            raise ValueError(
                f"cache.replicas: {self.cache.replicas} replicas; a cloud cache is Multi-AZ with automatic failover "
                "and needs at least 1"
            )
