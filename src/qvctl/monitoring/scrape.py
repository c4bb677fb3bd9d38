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

from qvctl.platform.components import local_hosts
from qvctl.spec import Environment

# Files the prometheus role writes beside prometheus.yml.
CA_FILE = "ca.crt"
CLIENT_CERT = "prometheus.crt"
CLIENT_KEY = "prometheus.key"
RULE_FILES = ["rules/*.yml"]
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
    Job("prometheus", ("observability",), "prometheus"),
    Job("alertmanager", ("observability",), "alertmanager"),
    Job("node", ("database", "database_dr", "observability"), "node_exporter", local_groups=("observability",)),
    Job("postgres", ("database", "database_dr"), "postgres_exporter"),
    Job("patroni", ("database", "database_dr"), "patroni", tls=True),
    Job("etcd", ("database", "database_dr"), "etcd_client", tls=True, client_cert=True),
    Job("api", ("app",), "application"),
    Job("redis", ("cache",), "redis_exporter"),
    Job("nginx", ("edge",), "nginx_exporter"),
)


def _port(env: Environment, name: str) -> int:
    return env.application.port if name == "application" else int(getattr(env.ports, name))


def _tls(job: Job) -> dict[str, object]:
    if not job.tls:
        return {}
    tls: dict[str, object] = {"ca_file": CA_FILE}
    if job.client_cert:
        tls |= {"cert_file": CLIENT_CERT, "key_file": CLIENT_KEY}
    return {"scheme": "https", "tls_config": tls}


def _local_job(env: Environment, job: Job) -> dict[str, object] | None:
    groups = job.local_groups or job.groups
    hosts = [h for h in local_hosts(env) if h.group in groups]
    if not hosts:
        return None
    port = _port(env, job.port)
    return {
        "job_name": job.name,
        **_tls(job),
        "static_configs": [
            {"targets": [f"{h.address}:{port}"],
             "labels": {"instance_host": h.name, "region_role": _REGION_ROLE.get(h.group, "primary")}}
            for h in hosts
        ],
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
    port = _port(env, job.port)
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


def _alertmanagers(env: Environment) -> list[dict[str, object]]:
    port = env.ports.alertmanager
    if env.kind == "local":
        hosts = [h for h in local_hosts(env) if h.group == "observability"]
        return [{"static_configs": [{"targets": [f"{h.address}:{port}" for h in hosts]}]}]
    # Each Prometheus sends to the Alertmanager beside it, on the observability host.
    return [{"static_configs": [{"targets": [f"localhost:{port}"]}]}]


def scrape_configs(env: Environment) -> list[dict[str, object]]:
    if env.kind == "local":
        return [job for j in JOBS if (job := _local_job(env, j)) is not None]
    return [job for j in JOBS if (job := _ec2_job(env, j)) is not None]


def prometheus_config(env: Environment) -> dict[str, object]:
    return {
        "global": {"scrape_interval": f"{SCRAPE_INTERVAL_SECONDS}s",
                   "evaluation_interval": f"{SCRAPE_INTERVAL_SECONDS}s",
                   "external_labels": {"environment": env.name}},
        "rule_files": RULE_FILES,
        "alerting": {"alertmanagers": _alertmanagers(env)},
        "scrape_configs": scrape_configs(env),
    }
