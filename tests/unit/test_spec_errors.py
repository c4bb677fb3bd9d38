"""A wrong spec fails with one line per problem naming the file, the field and the reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from qvctl.spec import SpecError
from qvctl.spec.loader import parse_environment, shared_ports

from ..conftest import ROOT, run_qvctl

PROD = yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text())
LOCAL = yaml.safe_load((ROOT / "environments" / "local.yaml").read_text())
PORTS = shared_ports(ROOT)
FILE = "environments/prod.yaml"


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def apply(spec: dict) -> None:
        *parents, leaf = path.split(".")
        node = spec
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(leaf)] = value
        else:
            node[leaf] = value
    return apply


def _drop(key: str) -> Callable[[dict], None]:
    return lambda spec: spec.pop(key)


BAD_SPECS: list[tuple[str, Callable[[dict], None], str]] = [
    ("cidr_prefix_too_long", _set("network.primary.vpc_cidr", "10.0.0.0/33"),
     "network.primary.vpc_cidr: '10.0.0.0/33' is not a valid CIDR"),
    ("cidr_not_an_address", _set("network.dr.vpc_cidr", "ten.dot/16"),
     "network.dr.vpc_cidr: 'ten.dot/16' is not a valid CIDR"),
    ("cidr_host_bits", _set("network.dr.vpc_cidr", "10.41.0.1/16"),
     "network.dr.vpc_cidr: '10.41.0.1/16' has host bits set"),
    ("vpc_too_large_for_aws", _set("network.primary.vpc_cidr", "10.0.0.0/8"),
     "network.primary.vpc_cidr: '10.0.0.0/8' must have a prefix between /16 and /28 (AWS VPC limits)"),
    ("subnet_outside_vpc", _set("network.primary.subnets.public.0", "10.99.0.0/24"),
     "network.primary.subnets.public: '10.99.0.0/24' is not inside the VPC 10.40.0.0/16"),
    ("subnets_overlap", _set("network.primary.subnets.private_data.1", "10.40.16.0/24"),
     "network.primary.subnets.private_app: '10.40.16.0/20' overlaps subnets.private_data: '10.40.16.0/24'"),
    ("regions_overlap", lambda s: s["network"]["dr"].update(
        vpc_cidr="10.40.0.0/16", subnets=copy.deepcopy(s["network"]["primary"]["subnets"])),
     "network: primary VPC 10.40.0.0/16 overlaps the dr VPC 10.40.0.0/16"),
    ("prod_two_azs", lambda s: [
        _set(f"network.primary.{k}", v)(s) for k, v in [
            ("availability_zones", ["eu-west-1a", "eu-west-1b"]),
            ("subnets.public", ["10.40.0.0/24", "10.40.1.0/24"]),
            ("subnets.private_app", ["10.40.16.0/20", "10.40.32.0/20"]),
            ("subnets.private_data", ["10.40.64.0/24", "10.40.65.0/24"])]],
     "network.primary: production needs 3 availability zones"),
    ("prod_single_nat", _set("network.dr.nat", "single"),
     "network.dr.nat: production needs a NAT gateway per AZ ('per_az')"),
    ("prod_two_database_nodes", lambda s: (_set("database.nodes", 2)(s), _set("hosts.database.count", 2)(s)),
     "database.nodes: production needs at least 3 database nodes, got 2"),
    ("database_hosts_mismatch", _set("hosts.database.count", 5),
     "hosts.database.count (5) must equal database.nodes (3)"),
    ("retention_shorter_than_pitr", _set("backup.retention_days", 3),
     "backup: retention_days (3) must be >= pitr_window_days (14): a restore point needs the backup before it"),
    ("unknown_field", _set("colour", "blue"), "colour: unknown field (check its spelling)"),
    ("missing_section", _drop("backup"), "backup: is missing (a required field)"),
    ("moving_image_tag", _set("application.image.tag", "latest"),
     "application.image.tag: 'latest' is a moving tag; pin an immutable tag or a digest"),
    ("replicas_not_a_number", _set("application.replicas.min", "many"),
     "application.replicas.min: 'many': input should be a valid integer, unable to parse string as an integer"),
    ("replicas_inverted", _set("application.replicas.max", 2),
     "application.replicas: min (3) must not exceed max (2)"),
    ("undefined_receiver", _set("alerting.routes.0.receiver", "nobody"),
     "alerting: receiver 'nobody' is not defined in receivers"),
    ("rollout_steps_decrease", _set("rollout.steps", [{"weight": w, "pause_seconds": 300} for w in (50, 25, 100)]),
     "rollout.steps: weights [50, 25, 100] must strictly increase"),
    ("rollout_never_full", _set("rollout.steps", [{"weight": w, "pause_seconds": 300} for w in (10, 50)]),
     "rollout.steps: weights [10, 50] must end at 100 (all traffic on the new version)"),
    ("rollout_step_never_measured", _set("rollout.steps.0.pause_seconds", 30),
     "rollout: steps[0].pause_seconds (30) is shorter than analysis.interval_seconds (60): "
     "the step would never be measured"),
    ("zone_of_other_region", _set("network.dr.availability_zones.2", "eu-west-1c"),
     "network.dr.availability_zones: 'eu-west-1c' is not a zone of eu-central-1"),
    ("bad_cron", _set("backup.schedule.full", "every sunday"),
     "backup.schedule.full: 'every sunday' is not a valid cron expression (Wrong number of fields)"),
    # The regular shape, but a value no cron accepts: the parser's own reason, after the field path.
    ("cron_minute_out_of_range", _set("backup.schedule.incremental", "61 * * * *"),
     "backup.schedule.incremental: '61 * * * *' is not a valid cron expression (Bad minute)"),
    ("cron_backwards_range", _set("backup.schedule.differential", "0 2 * * 6-1"),
     "backup.schedule.differential: '0 2 * * 6-1' is not a valid cron expression (Bad day-of-week)"),
    ("cron_seconds_field", _set("backup.schedule.full", "0 0 2 * * 0"),
     "backup.schedule.full: '0 0 2 * * 0' is not a valid cron expression (a schedule has 5 fields"),
    # Valid cron that a systemd timer could not fire as cron does (cloud hosts use timers).
    ("cron_day_or_weekday", _set("backup.schedule.full", "0 2 1 * 0"),
     "backup.schedule.full: '0 2 1 * 0' cannot be a systemd timer: day of month and day of week are both "
     "restricted"),
    ("slo_objective_of_one", _set("slo.availability.objective", 1),
     "slo.availability.objective: 1.0 must be between 0 and 1, both excluded (the fraction of good requests, "
     "e.g. 0.999)"),
    ("slo_objective_of_zero", _set("slo.availability.objective", 0),
     "slo.availability.objective: 0.0 must be between 0 and 1, both excluded"),
    ("slo_objective_negative", _set("slo.latency.objective", -0.5),
     "slo.latency.objective: -0.5 must be between 0 and 1, both excluded"),
    # A budget above 1/14.4 of the requests: the fast-burn alert's threshold would be over 100 %.
    ("slo_objective_too_loose_to_alert", _set("slo.latency.objective", 0.9),
     "slo.latency.objective: 0.9 leaves an error budget of 10.0%: the fast-burn alert (burn rate 14.4) would "
     "need more than 100% of requests to fail and could never fire; use an objective above 0.9306"),
    ("slo_threshold_between_buckets", _set("slo.latency.threshold_seconds", 0.3),
     "slo.latency.threshold_seconds: 0.3 is not a bucket bound of the API's latency histogram (0.001, 0.0025, "
     "0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10): the latency SLI counts requests at or under one "
     "bound"),
    ("slo_threshold_not_a_number", _set("slo.latency.threshold_seconds", "fast"),
     "slo.latency.threshold_seconds: 'fast': input should be a valid number"),
    ("slo_missing", _drop("slo"), "slo: is missing (a required field)"),
    ("same_regions", _set("regions.dr", "eu-west-1"),
     "regions: dr region 'eu-west-1' must differ from the primary region"),
    ("emulator_in_cloud", _set("emulator", {"address": "127.0.0.1", "port": 5000, "tls_port": 5443}),
     "only a local environment talks to the emulator"),
    ("wrong_account_id", _set("account_id", "12345"), "account_id: '12345': string should match pattern"),
    ("production_without_a_standby_cluster", lambda s: s["hosts"].pop("database_dr"),
     "hosts.database_dr.count: production needs a standby cluster of at least 2 nodes in the DR region, got 0"),
    ("unknown_tier", _set("tier", "critical"), "tier: 'critical': input should be 'development', 'staging' or"),
    ("name_not_a_name", _set("name", "Prod Env"), "name: 'Prod Env': string should match pattern"),
    # A tag can be pushed again; the digest cannot: what a cloud environment runs is named by its content.
    ("cloud_image_without_a_digest", lambda s: s["application"]["image"].pop("digest"),
     "application.image.digest: a cloud environment pins its image by digest; add the sha256 digest of "
     "quantumvest/api:0.1.0 next to its tag (digest: \"sha256:<64 hex digits>\")"),
    ("digest_not_sha256", _set("application.image.digest", "sha256:" + "ab" * 31),
     "application.image.digest: 'sha256:abab"),
    ("cloud_without_an_image", lambda s: s["application"].pop("image"),
     "application.image: a cloud environment needs the API's image (repository, tag, digest)"),
    # A new version in the cloud is new pods: no second port on the hosts.
    ("candidate_port_in_cloud", _set("application.candidate_port", 8001),
     "application.candidate_port: only a local environment runs releases side by side on its hosts"),
    # The API verifies tokens with its issuer's keys: a cloud environment must say where they are.
    ("cloud_without_jwks_url", lambda s: s["application"]["auth"].pop("jwks_url"),
     "application.auth.jwks_url: a cloud environment needs its issuer's published keys (JWKS)"),
    ("issuer_over_http", _set("application.auth.issuer", "http://login.example"),
     "application.auth.issuer: 'http://login.example': string should match pattern"),
    ("burst_not_a_multiple_of_the_rate", _set("application.rate_limit", {"requests_per_second": 20, "burst": 50}),
     "application.rate_limit: burst 50 must be a multiple of requests_per_second 20"),
    # The API server refuses a pod that requests more than its limit: "2" CPUs is 2000m, under 2500m.
    ("cpu_request_above_limit", _set("application.resources.requests.cpu", "2500m"),
     "application.resources: requests.cpu 2500m is above limits.cpu 2"),
    # 2Gi against 1Gi: compared as quantities, not as strings ("2Gi" < "512Mi" as text).
    ("memory_request_above_limit", _set("application.resources.requests.memory", "2Gi"),
     "application.resources: requests.memory 2Gi is above limits.memory 1Gi"),
    ("node_group_name_twice", lambda s: s["kubernetes"]["node_groups"].append(
        copy.deepcopy(s["kubernetes"]["node_groups"][0])),
     "kubernetes.node_groups: node group name 'app' is used twice; Terraform keys node groups by name"),
    ("zone_twice", _set("network.primary.availability_zones.2", "eu-west-1a"),
     "network.primary.availability_zones: availability zone 'eu-west-1a' is listed twice"),
    ("cloud_cache_without_a_replica", _set("cache.replicas", 0),
     "cache.replicas: 0 replicas; a cloud cache is Multi-AZ with automatic failover and needs at least 1"),
    ("cloud_cache_not_an_elasticache_type", _set("cache.node_type", "r6g.large"),
     "cache.node_type: 'r6g.large' is not an ElastiCache node type (cache.*)"),
    ("severity_routed_twice", lambda s: s["alerting"]["routes"].append({"severity": "critical",
                                                                        "receiver": "platform-email"}),
     "alerting: routes: severity 'critical' is routed twice; only the first route would ever match"),
    ("node_group_sizes_out_of_order", _set("kubernetes.node_groups.0.desired_size", 10),
     "kubernetes.node_groups[0]: sizes must satisfy min_size <= desired_size <= max_size, got 3 <= 10 <= 9"),
    ("cloud_without_node_groups", _set("kubernetes.node_groups", []),
     "kubernetes.node_groups: a cloud environment needs at least one node group"),
    ("synchronous_single_node", lambda s: (_set("database.nodes", 1)(s), _set("hosts.database.count", 1)(s)),
     "database: synchronous_mode needs at least 2 nodes"),
    ("prod_single_replica", _set("application.replicas.min", 1),
     "application.replicas.min: production needs at least 2 replicas"),
    ("application_port_of_a_platform_service", _set("application.port", PORTS["prometheus"]),
     f"application.port: {PORTS['prometheus']} is the port of another platform service"),
    ("fewer_subnets_than_zones", lambda s: s["network"]["primary"]["subnets"]["public"].pop(),
     "network.primary: subnets.public has 2 subnets for 3 availability zones; give one per zone"),
    ("cloud_hosts_listed_by_address", _set("hosts.observability.addresses", ["127.0.0.9"]),
     "hosts.observability: cloud hosts are found by tag, not listed by address"),
    ("cloud_host_without_instance_type", lambda s: s["hosts"]["observability"].pop("instance_type"),
     "hosts.observability: needs an instance_type"),
    ("email_receiver_without_to", lambda s: s["alerting"]["receivers"][0].pop("to"),
     "alerting.receivers[0]: email receiver 'platform-email' needs 'to'"),
    ("webhook_with_url_and_secret", _set("alerting.receivers.1.url", "https://hooks.example/page"),
     "alerting.receivers[1]: webhook receiver 'oncall-pager' needs exactly one of 'url' or 'url_secret'"),
    # A webhook URL is a credential: a cloud environment names its secret instead.
    ("cloud_webhook_literal_url", lambda s: s["alerting"]["receivers"][1].update(
        url="https://hooks.example/page", url_secret=None),
     "alerting.receivers.oncall-pager.url: only a local environment's loopback receiver may be a literal URL; "
     "use url_secret (a Secrets Manager name)"),
    ("receiver_name_twice", lambda s: s["alerting"]["receivers"].append(
        {"name": "platform-email", "type": "email", "to": "other@quantumvest.example.com"}),
     "alerting: receiver name 'platform-email' is used twice"),
]

# The same rules' local side: a release's instances listen beside the stable ones on the same hosts.
BAD_LOCAL_SPECS: list[tuple[str, Callable[[dict], None], str]] = [
    ("local_with_an_image", _set("application.image", {"repository": "quantumvest/api", "tag": "0.1.0"}),
     "application.image: a local environment runs the API from this checkout, not an image; remove it"),
    ("local_without_candidate_port", lambda s: s["application"].pop("candidate_port"),
     "application.candidate_port: a local environment needs a port for a new release's instances"),
    ("candidate_port_is_the_application_port", _set("application.candidate_port", LOCAL["application"]["port"]),
     f"application.candidate_port: {LOCAL['application']['port']} is the port of another service"),
    ("candidate_port_is_prometheus", _set("application.candidate_port", PORTS["prometheus"]),
     f"application.candidate_port: {PORTS['prometheus']} is the port of another service"),
    ("candidate_port_is_nginx_status", _set("application.candidate_port", PORTS["nginx_status"]),
     f"application.candidate_port: {PORTS['nginx_status']} is the port of another service"),
    ("local_with_a_jwks_url", _set("application.auth.jwks_url", "https://login.example/jwks.json"),
     "application.auth.jwks_url: the local environment's issuer is qvctl itself; remove it"),
    # Only a test receiver on this machine may be a literal URL: a real one is a credential.
    ("local_webhook_off_loopback", _set("alerting.receivers.0.url", "https://hooks.example/alerts"),
     "alerting.receivers.local-webhook.url: only a local environment's loopback receiver may be a literal URL; "
     "use url_secret (a Secrets Manager name)"),
    ("local_webhook_without_a_host", _set("alerting.receivers.0.url", "http:///alerts"),
     "alerting.receivers.local-webhook.url: only a local environment's loopback receiver may be a literal URL; "
     "use url_secret (a Secrets Manager name)"),
    ("local_without_an_emulator", lambda s: s.pop("emulator"), "a local environment needs an 'emulator' block"),
    ("emulator_off_loopback", _set("emulator.address", "10.0.0.1"),
     "emulator.address: '10.0.0.1' is not a loopback address: the emulator never leaves this machine"),
    ("emulator_one_port_twice", _set("emulator.tls_port", LOCAL["emulator"]["port"]),
     f"emulator: tls_port {LOCAL['emulator']['port']} must differ from port"),
    ("local_hosts_without_addresses", lambda s: s["hosts"]["cache"].pop("addresses"),
     "hosts.cache: local hosts need 'addresses'"),
    ("host_count_not_address_count", _set("hosts.app.count", 3),
     "hosts.app: count is 3 but 2 addresses are listed"),
    ("host_address_not_an_address", _set("hosts.app.addresses.0", "localhost"),
     "hosts.app.addresses: 'localhost' is not an IPv4 address"),
    # Every local service keeps its standard port: two hosts on one address would share every port.
    ("address_in_two_groups", _set("hosts.edge.addresses.0", LOCAL["hosts"]["app"]["addresses"][1]),
     f"hosts: {LOCAL['hosts']['app']['addresses'][1]} is used by both hosts.app.addresses and "
     "hosts.edge.addresses"),
    ("address_of_the_emulator", _set("hosts.cache.addresses.0", LOCAL["emulator"]["address"]),
     f"hosts: {LOCAL['emulator']['address']} is used by both emulator.address and hosts.cache.addresses"),
    ("address_twice_in_a_group", _set("hosts.app.addresses.1", LOCAL["hosts"]["app"]["addresses"][0]),
     f"hosts.app.addresses: '{LOCAL['hosts']['app']['addresses'][0]}' is listed twice: each host needs its own "
     "address"),
]


def test_production_rules_follow_the_tier_not_the_name():
    """A spec named anything but with tier production meets the production rules; prod with a
    development tier does not have to (the name carries no meaning)."""
    renamed = copy.deepcopy(PROD)
    renamed["name"] = "live"
    renamed["database"]["synchronous_mode"] = False
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(renamed), "environments/live.yaml")
    assert caught.value.problems == (
        "environments/live.yaml: database.synchronous_mode: production must replicate synchronously",)
    relaxed = copy.deepcopy(renamed)
    relaxed["tier"] = "staging"
    assert parse_environment(yaml.safe_dump(relaxed), "environments/live.yaml").tier == "staging"


def test_a_local_environment_is_never_production():
    spec = copy.deepcopy(LOCAL)
    spec["tier"] = "production"
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), "environments/local.yaml")
    assert caught.value.problems == (
        "environments/local.yaml: tier: a local environment cannot be production (it runs on one machine)",)


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BAD_SPECS], ids=[c[0] for c in BAD_SPECS])
def test_bad_spec_fails_with_its_one_line_message(mutate, expected):
    spec = copy.deepcopy(PROD)
    mutate(spec)
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), FILE)
    assert any(line.startswith(f"{FILE}: {expected}") for line in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in BAD_LOCAL_SPECS], ids=[c[0] for c in BAD_LOCAL_SPECS])
def test_bad_local_spec_fails_with_its_one_line_message(mutate, expected):
    spec = copy.deepcopy(LOCAL)
    mutate(spec)
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), "environments/local.yaml")
    assert caught.value.problems == (f"environments/local.yaml: {expected}",)


@pytest.mark.parametrize("url", ["http://localhost:9095/alerts", "http://127.0.0.2:9095/alerts"])
def test_a_local_receiver_on_loopback_may_be_a_literal_url(url):
    spec = copy.deepcopy(LOCAL)
    spec["alerting"]["receivers"][0]["url"] = url
    assert parse_environment(yaml.safe_dump(spec), "environments/local.yaml").alerting.receivers[0].url == url


def test_local_host_outside_loopback_is_refused():
    spec = copy.deepcopy(LOCAL)
    spec["hosts"]["app"]["addresses"][0] = "10.0.0.5"
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), "environments/local.yaml")
    assert caught.value.problems == (
        "environments/local.yaml: hosts.app.addresses: '10.0.0.5' is not a loopback address (127.0.0.0/8)",)


def test_every_problem_gets_its_own_line():
    spec = copy.deepcopy(PROD)
    spec["application"]["port"] = 80
    spec["cache"]["replicas"] = 99
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), FILE)
    assert caught.value.problems == (
        f"{FILE}: application.port: 80: input should be greater than or equal to 1024",
        f"{FILE}: cache.replicas: 99: input should be less than or equal to 5",
    )


@pytest.mark.parametrize(("text", "expected"), [
    ("", "the spec must be a mapping of fields, but the file is empty"),
    ("- a\n- b\n", "the spec must be a mapping of fields, but the file is a list"),
    ("name: [\n", "line 2, column 1: expected the node content, but found '<stream end>'"),
    ("!!python/object/apply:os.system ['true']\n", "line 1, column 1: could not determine a constructor"),
])
def test_unreadable_yaml_is_one_clear_line(text, expected):
    with pytest.raises(SpecError) as caught:
        parse_environment(text, "x.yaml")
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"x.yaml: {expected}")


def test_cli_reports_each_problem_and_exits_2_without_traceback(tmp_path):
    spec = copy.deepcopy(PROD)
    spec["network"]["primary"]["vpc_cidr"] = "10.0.0.0/33"
    bad = tmp_path / "prod.yaml"
    bad.write_text(yaml.safe_dump(spec))
    done = run_qvctl("env", "check", str(bad), "dev")
    assert done.returncode == 2
    assert f"{bad}: network.primary.vpc_cidr: '10.0.0.0/33' is not a valid CIDR" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "ok: dev" in done.stdout  # the good spec is still checked


def test_cli_file_name_must_match_environment_name(tmp_path):
    (tmp_path / "dev.yaml").write_text((ROOT / "environments" / "prod.yaml").read_text())
    done = run_qvctl("env", "check", str(tmp_path / "dev.yaml"))
    assert done.returncode == 2
    assert "name: 'prod' does not match the file name 'dev'" in done.stderr


def test_cli_missing_file_exits_2(tmp_path):
    done = run_qvctl("env", "show", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {tmp_path / 'nope.yaml'}: no such spec file"


def test_two_platform_services_on_one_port_are_named(tmp_path):
    """The shared ports file is read with every spec: a port given to two services names both."""
    ports = {**PORTS, "redis_exporter": PORTS["node_exporter"]}
    (tmp_path / "environments" / "shared").mkdir(parents=True)
    (tmp_path / "environments" / "shared" / "ports.yaml").write_text(yaml.safe_dump({"ports": ports}))
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(PROD), FILE, root=tmp_path)
    assert caught.value.problems == (
        f"{FILE}: ports: redis_exporter and node_exporter both use port {PORTS['node_exporter']}",)
