"""What an environment's Prometheus scrapes: one table of jobs, two ways to find their targets.

Locally every host is a loopback address of the spec, so targets are listed. In the cloud the
same jobs find EC2 hosts by the tags Terraform sets (`qv:role`, in both regions). The API's and
ingress-nginx's pods are the in-cluster Prometheus' (kubernetes/<env>/91-service-monitor.yaml,
which the rollout analysis queries): Debian's Prometheus, which the observability host runs, is
built without Kubernetes service discovery. Every target carries `instance_host` (the inventory host
name: alerts and Alertmanager's inhibition match on it) and `region_role` (primary or dr).

Paths of certificates are relative: Prometheus resolves them against
the configuration file's folder, where the prometheus role puts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from qvctl.platform.components import local_hosts, service_port
from qvctl.spec import Environment

# Files the prometheus role writes beside prometheus.yml.
CA_FILE = "ca.crt"
CLIENT_CERT = "prometheus.crt"
CLIENT_KEY = "prometheus.key"
RULE_FILES = ["rules/*.yml"]
# The API's targets (local), written by qvctl (release/routing.py) into the release routing
# folder, which the prometheus role links as `targets/` beside prometheus.yml.
API_TARGETS_NAME = "api-targets.json"
API_TARGETS_FILE = f"targets/{API_TARGETS_NAME}"
# How often every target is scraped (and rules evaluated). The dashboards' snapshot derives
# Grafana's $__rate_interval from it, as Grafana does from its data source's scrape interval.
SCRAPE_INTERVAL_SECONDS = 15

# The host group -> the region role its hosts are in (the cloud reads it from the qv:region-role tag).
_REGION_ROLE = {"database_dr": "dr"}


@dataclass(frozen=True)
class Job:
    name: str
    groups: tuple[str, ...]  # host groups whose hosts serve it (a cloud host's qv:role tag)
    port: str  # a field of the spec's ports, or "application"
    tls: bool = False  # HTTPS, trusting the environment CA
    client_cert: bool = False  # presenting Prometheus' own certificate (etcd takes no client without one)
    local_groups: tuple[str, ...] | None = None  # where it runs locally, when not `groups`


# Node exporter: locally every host is this machine, so one exporter (on the observability
# host) tells everything the machine's node metrics can; in the cloud each host has its own.
JOBS: tuple[Job, ...] = (
    # Prometheus and Alertmanager ask a client certificate too: their APIs answer queries and
    # silence alerts, so only Prometheus itself, qvctl and Grafana (each with a certificate) get in.
    Job("prometheus", ("observability",), "prometheus", tls=True, client_cert=True),
    Job("alertmanager", ("observability",), "alertmanager", tls=True, client_cert=True),
    Job("node", ("database", "database_dr", "observability"), "node_exporter", tls=True, client_cert=True,
        local_groups=("observability",)),
    Job("postgres", ("database", "database_dr"), "postgres_exporter", tls=True, client_cert=True),
    Job("patroni", ("database", "database_dr"), "patroni", tls=True),
    Job("etcd", ("database", "database_dr"), "etcd_client", tls=True, client_cert=True),
    Job("api", ("app",), "application", tls=True),
    Job("redis", ("cache",), "redis_exporter", tls=True, client_cert=True),
    # The nginx exporter (0.11) serves TLS but cannot ask for a client certificate.
    Job("nginx", ("edge",), "nginx_exporter", tls=True),
)
ALERTMANAGER = next(job for job in JOBS if job.name == "alertmanager")


def _tls(job: Job) -> dict[str, object]:
    if not job.tls:
        return {}
    tls: dict[str, object] = {"ca_file": CA_FILE}
    if job.client_cert:
        tls |= {"cert_file": CLIENT_CERT, "key_file": CLIENT_KEY}
    return {"scheme": "https", "tls_config": tls}


def local_target_labels(env: Environment, host_name: str) -> dict[str, str]:
    """The labels every local target carries: its inventory host and the region role of its group."""
    group = next(h.group for h in local_hosts(env) if h.name == host_name)
    return {"instance_host": host_name, "region_role": _REGION_ROLE.get(group, "primary")}


def _local_job(env: Environment, job: Job) -> dict[str, object] | None:
    groups = job.local_groups or job.groups
    hosts = [h for h in local_hosts(env) if h.group in groups]
    if not hosts:
        return None
    if job.port == "application":
        return _local_api_job(env, job)
    port = service_port(env, job.port)
    return {
        "job_name": job.name,
        **_tls(job),
        "static_configs": [
            {"targets": [f"{h.address}:{port}"], "labels": local_target_labels(env, h.name)} for h in hosts
        ],
    }


def _local_api_job(env: Environment, job: Job) -> dict[str, object]:
    """The API's instances change with every release (`qvctl deploy` starts a new version's beside
    the stable ones): qvctl writes them, labelled with their version, to a file Prometheus watches
    (release/routing.py). Scraped as often as a rollout measures, so each measurement is fresh."""
    interval = max(1, min(SCRAPE_INTERVAL_SECONDS, env.rollout.analysis.interval_seconds // 2))
    return {
        "job_name": job.name,
        "scrape_interval": f"{interval}s",
        **_tls(job),
        "file_sd_configs": [{"files": [API_TARGETS_FILE]}],
    }


def _ec2_job(env: Environment, job: Job) -> dict[str, object] | None:
    roles = sorted({g for g in job.groups if g in env.hosts and env.hosts[g].count > 0} - set(_REGION_ROLE))
    if job.port == "application" or job.groups == ("cache",) or job.groups == ("edge",) or not roles:
        return None
    filters = [
        {"name": "tag:Project", "values": [env.project]},
        {"name": "tag:Environment", "values": [env.name]},
        {"name": "tag:qv:role", "values": roles},
        {"name": "instance-state-name", "values": ["running"]},
    ]
    port = service_port(env, job.port)
    return {
        "job_name": job.name,
        **_tls(job),
        "ec2_sd_configs": [{"region": region, "port": port, "filters": filters}
                           for region in (env.regions.primary, env.regions.dr)],
        "relabel_configs": [
            {"source_labels": ["__meta_ec2_private_ip"], "replacement": f"${{1}}:{port}",
             "target_label": "__address__"},
            {"source_labels": ["__meta_ec2_tag_Name"], "target_label": "instance_host"},
            {"source_labels": ["__meta_ec2_tag_qv_region_role"], "target_label": "region_role"},
        ],
    }


# What the blackbox exporter probes, from the observability host: the edge as a user meets it
# (module https_edge) and the TLS endpoints whose certificates could expire (tls_connect).
_TLS_PROBES: tuple[tuple[str, str], ...] = (
    ("database", "patroni"), ("database", "etcd_client"), ("database_dr", "patroni"), ("database_dr", "etcd_client"),
    ("cache", "redis"),
)


def _probe(target: str, module: str, probe: str, host: str, region_role: str = "primary") -> dict[str, object]:
    return {"targets": [target],
            "labels": {"__param_module": module, "probe": probe, "instance_host": host, "region_role": region_role}}


def _blackbox_job(env: Environment) -> dict[str, object]:
    port = env.ports.blackbox_exporter
    if env.kind == "local":
        hosts = local_hosts(env)
        exporter = next(f"{h.address}:{port}" for h in hosts if h.group == "observability")
        probes = [_probe(f"https://{h.address}/readyz", "https_edge", "edge", h.name)
                  for h in hosts if h.group == "edge"]
        probes += [_probe(f"{h.address}:{service_port(env, name)}", "tls_connect", "tls", h.name,
                          _REGION_ROLE.get(h.group, "primary"))
                   for group, name in _TLS_PROBES for h in hosts if h.group == group]
    else:
        # The edge from outside, by its public name; the hosts' TLS endpoints are probed by the
        # exporter beside Prometheus, found as the scrape jobs find them (EC2 tags).
        exporter = f"localhost:{port}"
        probes = [_probe(f"https://{env.domain}/readyz", "https_edge", "edge", "edge")]
    return {
        "job_name": "blackbox",
        "metrics_path": "/probe",
        # The exporter asks a client certificate of every caller: it probes on request.
        **_tls(Job("blackbox", ("observability",), "blackbox_exporter", tls=True, client_cert=True)),
        "static_configs": probes,
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }


def _alertmanagers(env: Environment) -> list[dict[str, object]]:
    port = env.ports.alertmanager
    if env.kind == "local":
        hosts = [h for h in local_hosts(env) if h.group == "observability"]
        return [{**_tls(ALERTMANAGER), "static_configs": [{"targets": [f"{h.address}:{port}" for h in hosts]}]}]
    # Each Prometheus sends to the Alertmanager beside it, on the observability host (its
    # certificate names localhost too: roles/alertmanager).
    return [{**_tls(ALERTMANAGER), "static_configs": [{"targets": [f"localhost:{port}"]}]}]


def scrape_configs(env: Environment) -> list[dict[str, object]]:
    build = _local_job if env.kind == "local" else _ec2_job
    return [*(job for j in JOBS if (job := build(env, j)) is not None), _blackbox_job(env)]


def prometheus_config(env: Environment) -> dict[str, object]:
    return {
        "global": {"scrape_interval": f"{SCRAPE_INTERVAL_SECONDS}s",
                   "evaluation_interval": f"{SCRAPE_INTERVAL_SECONDS}s",
                   "external_labels": {"environment": env.name}},
        "rule_files": RULE_FILES,
        "alerting": {"alertmanagers": _alertmanagers(env)},
        "scrape_configs": scrape_configs(env),
    }
