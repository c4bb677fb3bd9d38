"""monitoring/generated/<env>/: scrape targets and alert routing as the spec says."""

from __future__ import annotations

import pytest
import yaml

from qvctl.monitoring import alertmanager, render, scrape
from qvctl.platform.components import local_hosts
from qvctl.spec import SpecError, load_environment, spec_path
from tests.conftest import ROOT


def _env(name: str):  # type: ignore[no-untyped-def]
    return load_environment(spec_path(ROOT, name))


def _static_targets(config: dict[str, object]) -> dict[str, set[tuple[str, str]]]:
    """job -> {(target, instance_host)}"""
    found: dict[str, set[tuple[str, str]]] = {}
    for job in config["scrape_configs"]:  # type: ignore[attr-defined]
        for group in job.get("static_configs", []):
            for target in group["targets"]:
                found.setdefault(job["job_name"], set()).add((target, group["labels"]["instance_host"]))
    return found


def test_every_local_host_is_scraped_at_its_own_address_and_name() -> None:
    env = _env("local")
    targets = _static_targets(scrape.prometheus_config(env))
    scraped_hosts = {host for job, pairs in targets.items() if job != "blackbox" for _, host in pairs}
    # The app hosts' API instances change with releases: their targets are a file qvctl writes.
    assert scraped_hosts == {h.name for h in local_hosts(env) if h.group != "app"}
    by_name = {h.name: h.address for h in local_hosts(env)}
    database = ("db1", "db2", "db3", "drdb1", "drdb2")
    assert targets["patroni"] == {(f"{by_name[h]}:{env.ports.patroni}", h) for h in database}
    jobs = {j["job_name"]: j for j in scrape.prometheus_config(env)["scrape_configs"]}  # type: ignore[attr-defined]
    assert jobs["api"]["file_sd_configs"] == [{"files": [scrape.API_TARGETS_FILE]}]
    # Scraped at least twice per measurement of a rollout.
    assert int(jobs["api"]["scrape_interval"].rstrip("s")) * 2 <= env.rollout.analysis.interval_seconds


def test_etcd_is_scraped_over_tls_with_prometheus_certificate() -> None:
    jobs = {j["job_name"]: j for j in scrape.prometheus_config(_env("local"))["scrape_configs"]}  # type: ignore[attr-defined]
    assert jobs["etcd"]["scheme"] == "https"
    client = {"ca_file": "ca.crt", "cert_file": "prometheus.crt", "key_file": "prometheus.key"}
    assert jobs["etcd"]["tls_config"] == client
    # The API instances speak only HTTPS; no client certificate (they do not ask for one).
    assert (jobs["api"]["scheme"], jobs["api"]["tls_config"]) == ("https", {"ca_file": "ca.crt"})


@pytest.mark.parametrize("name", ["local", "prod"])
def test_every_scrape_and_the_alerts_to_alertmanager_go_over_https(name: str) -> None:
    config = scrape.prometheus_config(_env(name))
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}  # type: ignore[attr-defined]
    assert jobs and {job.get("scheme") for job in jobs.values()} == {"https"}
    client = {"ca_file": "ca.crt", "cert_file": "prometheus.crt", "key_file": "prometheus.key"}
    # Prometheus and Alertmanager ask a client certificate: Prometheus shows its own to both.
    assert jobs["prometheus"]["tls_config"] == jobs["alertmanager"]["tls_config"] == client
    if name == "local":  # the cloud's edge is the load balancer, with no exporter
        # The nginx exporter cannot ask one: the CA alone, to trust it.
        assert jobs["nginx"]["tls_config"] == {"ca_file": "ca.crt"}
    alertmanagers = config["alerting"]["alertmanagers"]  # type: ignore[index]
    assert alertmanagers and all((a["scheme"], a["tls_config"]) == ("https", client) for a in alertmanagers)


def test_cloud_jobs_find_hosts_by_the_environment_tags_in_both_regions() -> None:
    env = _env("prod")
    config = scrape.prometheus_config(env)
    ec2_jobs = [j for j in config["scrape_configs"] if "ec2_sd_configs" in j]  # type: ignore[attr-defined]
    assert {j["job_name"] for j in ec2_jobs} >= {"node", "postgres", "patroni", "etcd", "prometheus", "alertmanager"}
    for job in ec2_jobs:
        assert [sd["region"] for sd in job["ec2_sd_configs"]] == [env.regions.primary, env.regions.dr]
        for sd in job["ec2_sd_configs"]:
            filters = {f["name"]: f["values"] for f in sd["filters"]}
            assert filters["tag:Environment"] == ["prod"]
    blackbox = next(j for j in config["scrape_configs"] if j["job_name"] == "blackbox")  # type: ignore[attr-defined]
    assert blackbox["static_configs"][0]["targets"] == [f"https://{env.domain}/readyz"]


def test_routes_by_environment_then_severity_to_the_spec_receivers() -> None:
    env = _env("prod")
    route = alertmanager.alertmanager_config(env)["route"]
    assert route["receiver"] == env.alerting.default_receiver  # type: ignore[index]
    [by_env] = route["routes"]  # type: ignore[index]
    assert by_env["matchers"] == ['environment="prod"']
    assert [(r["matchers"], r["receiver"]) for r in by_env["routes"]] == [
        ([f'severity="{r.severity}"'], r.receiver) for r in env.alerting.routes
    ]


def test_a_secret_webhook_is_a_placeholder_never_a_url() -> None:
    env = _env("prod")
    text = render.render_environment(env)["alertmanager.yml"]
    receiver = next(r for r in env.alerting.receivers if r.url_secret)
    config = yaml.safe_load(text)
    [hook] = next(r for r in config["receivers"] if r["name"] == receiver.name)["webhook_configs"]
    assert hook["url"] == f"((secret:{receiver.url_secret}))"
    assert alertmanager.SECRET_PLACEHOLDER.fullmatch(hook["url"])
    assert "http://" not in text and "https://" not in text


def test_host_down_inhibits_the_other_alerts_of_that_host() -> None:
    rules = alertmanager.alertmanager_config(_env("local"))["inhibit_rules"]
    host_rule = next(r for r in rules if r["source_matchers"] == ['alertname="HostDown"'])  # type: ignore[index]
    assert "instance_host" in host_rule["equal"]  # type: ignore[index]


def test_a_cloud_environment_refuses_a_literal_webhook_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = yaml.safe_load((ROOT / "environments" / "dev.yaml").read_text())
    spec["alerting"]["receivers"].append({"name": "leaky", "type": "webhook", "url": "https://hooks.example.com/x"})
    path = tmp_path / "environments" / "dev.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(SpecError) as err:
        load_environment(path, ROOT)
    wanted = "alerting.receivers.leaky.url: only a local environment's loopback receiver may be a literal URL"
    assert wanted in str(err.value)
