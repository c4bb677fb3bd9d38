"""The host hardening role (ansible/roles/common), checked without a host: its firewall against the
ports the services' roles listen on, and that it never reaches the local platform's machine.
The role's real run, against a Debian chroot, is tests/integration/test_common_role_chroot.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from tests import chroot_host
from tests.ansible_sandbox import load_yaml, playbook_argv, playbook_environ, sandbox, trusted

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
ROLE = ANSIBLE / "roles" / "common"
ENV = "dev"
# The port variables of the services each cloud group runs (main.yml's plays), by role.
GROUP_SERVICE_PORTS = {
    "database": {
        "etcd": ["etcd_client_port", "etcd_peer_port"],
        "patroni": ["patroni_restapi_port", "patroni_pg_port"],
        "pgbackrest": ["pgbackrest_server_port"],
        "postgres_exporter": ["postgres_exporter_port"],
        "node_exporter": ["node_exporter_port"],
    },
    "observability": {
        "prometheus": ["prometheus_port"],
        "alertmanager": ["alertmanager_port"],
        "blackbox_exporter": ["blackbox_exporter_port"],
        "node_exporter": ["node_exporter_port"],
    },
}


def _templar(group_names: list[str], **extra: Any) -> Templar:
    """What a dev host of `group_names` sees: the spec, the group variables, the roles' defaults."""
    spec = load_yaml(ROOT / "environments" / f"{ENV}.yaml")
    spec["ports"] = load_yaml(ROOT / "environments" / "shared" / "ports.yaml")["ports"]
    variables: dict[str, Any] = trusted(load_yaml(ANSIBLE / "group_vars" / "all" / "main.yml"))
    for role in {"common", *(r for roles in GROUP_SERVICE_PORTS.values() for r in roles)}:
        variables.update(trusted(load_yaml(ANSIBLE / "roles" / role / "defaults" / "main.yml")))
    variables.update(
        {
            "qv_spec": spec,
            "qv_environment": ENV,
            "qv_state_dir": "/nonexistent",
            "group_names": group_names,
            "inventory_hostname": "host",
            "ansible_managed": "managed",
            **trusted(extra),
        }
    )
    return Templar(loader=DataLoader(), variables=variables)


def _ruleset(templar: Templar) -> str:
    rendered: str = templar.template(trust_as_template((ROLE / "templates" / "nftables.conf.j2").read_text()))
    return rendered


def _opened(ruleset: str) -> list[int]:
    match = re.search(r"ip saddr @environment tcp dport \{ ([\d, ]+) \} accept", ruleset)
    assert match is not None, ruleset
    return sorted(int(port) for port in match[1].split(","))


@pytest.mark.parametrize("group", ["database", "observability"])
def test_firewall_opens_exactly_the_ports_the_groups_services_listen_on(group: str) -> None:
    # A cloud host also belongs to the aws_ec2 inventory's region and cluster groups.
    templar = _templar([group, "region_primary", f"patroni_{ENV}"])
    listening = sorted(
        {
            int(templar.template(trust_as_template(f"{{{{ {variable} }}}}")))
            for variables in GROUP_SERVICE_PORTS[group].values()
            for variable in variables
        }
    )
    assert _opened(_ruleset(templar)) == listening


def test_dr_database_hosts_open_the_database_ports() -> None:
    assert _opened(_ruleset(_templar(["database_dr"]))) == _opened(_ruleset(_templar(["database"])))


def test_services_are_open_to_the_environments_networks_only() -> None:
    spec = load_yaml(ROOT / "environments" / f"{ENV}.yaml")
    ruleset = _ruleset(_templar(["database"]))
    (elements,) = re.findall(r"set environment \{[^}]*elements = \{ ([^}]*) \}", ruleset)
    assert sorted(elements.split(", ")) == sorted(region["vpc_cidr"] for region in spec["network"].values())
    input_chain = ruleset.split("chain input", 1)[1].split("chain forward", 1)[0]
    assert "policy drop;" in input_chain
    assert [line.strip() for line in input_chain.splitlines() if "tcp dport" in line and "@" not in line] == []


def test_ssh_is_closed_without_management_networks() -> None:
    """The default: administrators come in through SSM Session Manager, on loopback."""
    ruleset = _ruleset(_templar(["database"]))
    assert "@management" not in ruleset
    assert not re.search(r"dport[^\n]*\b22\b", ruleset)


def test_ssh_is_open_to_the_management_networks_on_the_servers_port() -> None:
    ruleset = _ruleset(_templar(["database"], common_ssh_management_cidrs=["192.0.2.0/28"], common_ssh_port=2222))
    assert re.search(r"set management \{[^}]*elements = \{ 192\.0\.2\.0/28 \}", ruleset)
    assert "ip saddr @management tcp dport 2222 accept" in ruleset
    dropin = _templar(["database"], common_ssh_port=2222).template(
        trust_as_template((ROLE / "templates" / "sshd-hardening.conf.j2").read_text())
    )
    assert "Port 2222" in dropin.splitlines()


def test_a_host_of_no_service_group_opens_no_service_port() -> None:
    assert "@environment" not in _ruleset(_templar(["region_primary"]))


def test_main_yml_hardens_cloud_hosts_only_before_anything_else() -> None:
    plays = yaml.safe_load((ANSIBLE / "main.yml").read_text())
    includes = [
        (index, play["hosts"], task)
        for play in plays
        for index, task in enumerate(play.get("tasks", []))
        if task.get("ansible.builtin.include_role", {}).get("name") == "common"
    ]
    assert [(hosts, task["when"]) for _, hosts, task in includes] == [("all", "not qv_is_local | bool")]
    first_role = next(index for index, task in enumerate(plays[0]["tasks"]) if "ansible.builtin.include_role" in task)
    assert includes[0][0] == first_role, "the host is hardened before any other role configures it"


def test_the_role_refuses_the_local_environment(tmp_path: Path) -> None:
    """Included by mistake for a local host, it stops before touching anything. Its host here is a
    folder behind a chroot connection whose shell cannot run: were the guard gone, the next task
    would fail there (never on this machine), without the guard's message."""
    empty = tmp_path / "empty-host"
    (empty / "bin").mkdir(parents=True)
    (empty / "bin" / "sh").touch(mode=0o755)  # the connection asks for an executable; an empty file runs nothing
    playbook = sandbox(tmp_path / "repo", "local", "database", "db1", empty, ["common"], {})
    done = chroot_host.isolated(*playbook_argv(playbook), env=playbook_environ(), cwd=playbook.parent, timeout=120)
    assert done.returncode != 0
    assert "the common role hardens cloud hosts only" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert sorted(str(p.relative_to(empty)) for p in empty.rglob("*")) == ["bin", "bin/sh"]
