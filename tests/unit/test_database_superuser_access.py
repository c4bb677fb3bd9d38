"""The database superuser cannot log in from the application subnets (cloud environments).

Two layers decide it, and both are read from the repository:
- pg_hba (ansible/roles/patroni/templates/patroni.yml.j2 with the role's CIDR defaults, evaluated
  for each cloud spec): PostgreSQL takes the first line that matches type, user and address, so
  the superuser from an application subnet must meet `reject` before any line that admits it,
  while the API's role from the same address is admitted;
- the database security group (terraform/modules/security): PostgreSQL's port is open to the
  application and database groups only, so what else lives in the data subnets (observability
  host, cache, OpenSearch) cannot reach the port at all; within the data subnets only the
  database hosts themselves remain, which is where the superuser works (Patroni, pg_rewind).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import jinja2
import pytest
import yaml

from tests.conftest import ROOT

ROLE = ROOT / "ansible" / "roles" / "patroni"
SECURITY = ROOT / "terraform" / "modules" / "security" / "main.tf"
SUPERUSER, APP_USER = "postgres", "quantumvest_app"


def _jinja() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)  # noqa: S701 - not HTML
    env.filters["bool"] = bool
    return env


def _cidr_defaults(spec: dict[str, Any]) -> dict[str, list[str]]:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    names = ("patroni_pg_client_cidrs", "patroni_pg_admin_cidrs", "patroni_pg_replication_cidrs")
    return {
        name: yaml.safe_load(_jinja().from_string(defaults[name]).render(qv_is_local=False, qv_spec=spec))
        for name in names
    }


def pg_hba(spec: dict[str, Any]) -> list[list[str]]:
    """The pg_hba lines the role writes for `spec`, split into fields."""
    template = (ROLE / "templates" / "patroni.yml.j2").read_text()
    section = re.search(r"^  pg_hba:\n(.*?)^  pg_ident:", template, re.S | re.M)
    assert section, "patroni.yml.j2 has no pg_hba section"
    rendered = (
        _jinja()
        .from_string(section.group(1))
        .render(
            patroni_credentials={"superuser": {"username": SUPERUSER}, "replication": {"username": "replicator"}},
            patroni_monitor_role="qv_monitor",
            **_cidr_defaults(spec),
        )
    )
    return [line.strip().removeprefix("- ").split() for line in rendered.splitlines() if line.strip().startswith("- ")]


def first_match(lines: list[list[str]], user: str, address: str) -> str:
    """The method of the first TCP (hostssl) line matching `user` from `address` (any database)."""
    for fields in lines:
        if fields[0] != "hostssl":
            continue  # unix-socket lines (local) never match a TCP client
        _, database, who, cidr, method = fields[:5]
        if (
            database != "replication"
            and who in ("all", user)
            and ipaddress.ip_address(address) in ipaddress.ip_network(cidr)
        ):
            return method
    return "no line (rejected)"


def _cloud_spec(env: str) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "environments" / f"{env}.yaml").read_text())
    return spec


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_pg_hba_rejects_the_superuser_from_every_application_subnet(env: str) -> None:
    spec = _cloud_spec(env)
    lines = pg_hba(spec)
    for region in ("primary", "dr"):
        subnets = spec["network"][region]["subnets"]
        for cidr in subnets["private_app"]:
            pod = str(next(ipaddress.ip_network(cidr).hosts()))
            assert first_match(lines, SUPERUSER, pod) == "reject", f"{env}: superuser admitted from {pod}"
    for cidr in spec["network"]["primary"]["subnets"]["private_app"]:
        pod = str(next(ipaddress.ip_network(cidr).hosts()))
        assert first_match(lines, APP_USER, pod) == "scram-sha-256", f"{env}: the API cannot log in from {pod}"
    for cidr in spec["network"]["primary"]["subnets"]["private_data"]:
        host = str(next(ipaddress.ip_network(cidr).hosts()))
        assert first_match(lines, SUPERUSER, host) == "scram-sha-256", f"{env}: database hosts need the superuser"


def test_the_check_itself_sees_a_superuser_line_for_all_addresses() -> None:
    spec = _cloud_spec("dev")
    lines = pg_hba(spec)
    # What a careless edit would do: admit the superuser everywhere before the reject line.
    widened = [["hostssl", "all", SUPERUSER, "0.0.0.0/0", "scram-sha-256"], *lines]
    app = str(next(ipaddress.ip_network(spec["network"]["primary"]["subnets"]["private_app"][0]).hosts()))
    assert first_match(widened, SUPERUSER, app) == "scram-sha-256"


def test_only_the_application_and_database_groups_reach_postgresql() -> None:
    rules = re.findall(r'\{\s*group = "database", source = "(\w+)", port = local\.p\.postgres\b', SECURITY.read_text())
    assert rules, "no PostgreSQL ingress rule found in the security module: update this test"
    assert set(rules) == {"app", "database"}, f"PostgreSQL is open to {sorted(set(rules))}"
