"""The cloud hosts' Fluent Bit (ansible/roles/log_shipper), checked statically: Fluent Bit cannot
be installed here. Its configuration is rendered by Ansible's own templating from the role's
defaults, the playbook's group variables and a dev host's Terraform outputs, then parsed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import filter_loader, init_plugin_loader
from ansible.template import Templar, trust_as_template

from qvctl import fluent_bit
from qvctl.kubernetes import log_shipping
from qvctl.spec import load_environment, spec_path
from tests.ansible_sandbox import load_yaml, trusted

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
ROLE = ANSIBLE / "roles" / "log_shipper"
ENV = "dev"
SPEC = load_environment(spec_path(ROOT, ENV), ROOT)
# What Terraform's `cloud.opensearch_endpoint` output holds for a VPC domain: AWS names it.
DOMAIN = f"{SPEC.project}-{ENV}-logs"[:28]  # terraform/cloud.tf: substr("${local.name}-logs", 0, 28)
ENDPOINT = f"vpc-{DOMAIN}-4xq2mbwkcd7hwyyuuf3vtfg2ze.{SPEC.regions.primary}.es.amazonaws.com"
ENDPOINT_PATTERN = re.compile(
    rf"^vpc-{re.escape(DOMAIN)}-[a-z0-9]{{26}}\.{re.escape(SPEC.regions.primary)}"
    r"\.es\.amazonaws\.com$"
)
Sections = list[tuple[str, dict[str, list[str]]]]


def _variables(terraform: dict[str, Any]) -> dict[str, Any]:
    """What a dev database host sees: the spec (as the qv_spec vars plugin loads it), the group
    variables, the role's defaults, Terraform's outputs (the first play reads them)."""
    spec = load_yaml(ROOT / "environments" / f"{ENV}.yaml")
    spec["ports"] = load_yaml(ROOT / "environments" / "shared" / "ports.yaml")["ports"]
    return {
        **trusted(load_yaml(ANSIBLE / "group_vars" / "all" / "main.yml")),
        **trusted(load_yaml(ROLE / "defaults" / "main.yml")),
        "qv_spec": spec,
        "qv_environment": ENV,
        "qv_terraform": terraform,
        "qv_state_dir": "/nonexistent",
        "inventory_hostname": f"{SPEC.project}-{ENV}-db-1",
        "ansible_managed": "Ansible managed",
    }


def _outputs(endpoint: str | None = ENDPOINT) -> dict[str, Any]:
    return {"primary_region": SPEC.regions.primary, "cloud": {"opensearch_endpoint": endpoint}}


@pytest.fixture(scope="module")
def templar_for() -> Any:
    init_plugin_loader([])
    filter_loader.add_directory(str(ANSIBLE / "plugins" / "filter"))
    return lambda terraform: Templar(loader=DataLoader(), variables=_variables(terraform))


def _render(templar: Templar, template: str) -> str:
    rendered: str = templar.template(trust_as_template((ROLE / "templates" / template).read_text()))
    return rendered


def sections(text: str) -> Sections:
    """Fluent Bit's classic format: [SECTION] headers, then `Key value` lines (keys may repeat)."""
    found: Sections = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[([A-Z_]+)\]", line)
        if header:
            found.append((header[1], {}))
            continue
        assert found and raw.startswith("    "), f"a key outside a section, or not indented: {raw!r}"
        key, _, value = line.partition(" ")
        found[-1][1].setdefault(key, []).append(value.strip())
    return found


def _one(found: Sections, name: str, plugin: str) -> dict[str, list[str]]:
    (section,) = [keys for kind, keys in found if kind == name and keys.get("Name", keys.get("name")) == [plugin]]
    return section


@pytest.fixture(scope="module")
def config(templar_for: Any) -> Sections:
    return sections(_render(templar_for(_outputs()), "fluent-bit.conf.j2"))


def test_the_config_reads_the_journal_and_the_services_files(config: Sections) -> None:
    assert [kind for kind, _ in config] == ["SERVICE", "INPUT", "INPUT", "INPUT", "FILTER", "FILTER", "OUTPUT"]
    assert _one(config, "INPUT", "systemd")["Tag"] == ["host.journal"]
    paths = [keys["Path"][0] for kind, keys in config if kind == "INPUT" and keys["Name"] == ["tail"]]
    assert paths == ["/var/log/quantumvest/postgresql/*.json", "/var/log/quantumvest/pgbackrest/*.log"]
    assert _one(config, "FILTER", "record_modifier")["Record"] == [
        f"host {SPEC.project}-{ENV}-db-1",
        f"environment {ENV}",
    ]


def test_the_output_is_the_domains_own_endpoint_over_verified_tls_with_sigv4(config: Sections) -> None:
    output = _one(config, "OUTPUT", "opensearch")
    assert output["Host"] == [ENDPOINT] and ENDPOINT_PATTERN.match(output["Host"][0])
    assert output["Port"] == ["443"] and output["tls"] == ["On"] and output["tls.verify"] == ["On"]
    assert output["tls.verify_hostname"] == ["On"], "the domain's endpoint is in its certificate: check it"
    assert output["AWS_Auth"] == ["On"] and output["AWS_Region"] == [SPEC.regions.primary]
    assert output["Logstash_Prefix"] == [f"{SPEC.project}-{ENV}-hosts"] and output["Match"] == ["host.*"]
    assert output["storage.total_limit_size"] == ["1G"]


def test_no_credential_is_written_into_the_config(templar_for: Any, config: Sections) -> None:
    text = _render(templar_for(_outputs()), "fluent-bit.conf.j2")
    keys = {key.lower() for _, section in config for key in section}
    assert not keys & {"http_user", "http_passwd", "aws_access_key_id", "aws_secret_access_key", "aws_profile"}
    assert not re.search(r"AKIA[0-9A-Z]{16}|passw|secret", text, re.IGNORECASE)


def test_the_parsers_the_config_names_exist(templar_for: Any, config: Sections) -> None:
    parsers = sections(_render(templar_for(_outputs()), "parsers.conf.j2"))
    defined = {keys.get("Name", keys.get("name", [""]))[0] for _, keys in parsers}
    named = {v for _, keys in config for k in ("Parser", "multiline.parser") for v in keys.get(k, [])}
    assert named and named <= defined


def test_hosts_and_eks_share_the_output_section_and_the_release(config: Sections) -> None:
    host = _one(config, "OUTPUT", "opensearch")
    pods = _one(sections(log_shipping.fluent_bit_config(SPEC)), "OUTPUT", "opensearch")
    # What differs, and why: what each reads (Match), where the endpoint's name comes from (the
    # hosts' from Terraform's output, the pods' from the Secret External Secrets syncs, read into an
    # environment variable), the index, and the hosts' disk cap. Both check the certificate's name.
    differ = {"Match", "Host", "Logstash_Prefix", "storage.total_limit_size"}
    assert {k: v for k, v in host.items() if k not in differ} == {k: v for k, v in pods.items() if k not in differ}
    assert pods["tls.verify_hostname"] == host["tls.verify_hostname"] == ["On"]
    assert pods["Host"] == ["${OPENSEARCH_HOST}"]
    defaults = load_yaml(ROLE / "defaults" / "main.yml")
    assert defaults["log_shipper_version"] == fluent_bit.VERSION
    assert log_shipping.FLUENT_BIT_IMAGE.endswith(f":{fluent_bit.VERSION}")


def test_without_an_opensearch_domain_there_is_no_endpoint_and_the_role_does_nothing(templar_for: Any) -> None:
    templar = templar_for({"primary_region": SPEC.regions.primary, "cloud": None})
    assert templar.template(trust_as_template("{{ log_shipper_opensearch_host }}")) == ""
    templar = templar_for(_outputs(None))
    assert templar.template(trust_as_template("{{ log_shipper_opensearch_host }}")) == ""
    (block,) = load_yaml(ROLE / "tasks" / "main.yml")  # type: ignore[misc]
    assert block["when"] == ["not qv_is_local | bool", "log_shipper_opensearch_host | length > 0"]


def test_every_cloud_host_runs_the_role_and_no_local_one() -> None:
    plays = yaml.safe_load((ANSIBLE / "main.yml").read_text())
    includes = [
        (play["hosts"], task)
        for play in plays
        for task in play.get("tasks", [])
        if task.get("ansible.builtin.include_role", {}).get("name") == "log_shipper"
    ]
    assert [(hosts, task["when"]) for hosts, task in includes] == [("all", "not qv_is_local | bool")]
