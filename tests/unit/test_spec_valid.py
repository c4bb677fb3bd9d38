"""The committed specs are valid and say what the architecture promises of them."""

from __future__ import annotations

import ipaddress

import pytest

from qvctl.spec import environment_names, load_environment, spec_path

from ..conftest import ROOT

ENVIRONMENT_NAMES = environment_names(ROOT)


@pytest.mark.parametrize("name", ENVIRONMENT_NAMES)
def test_committed_spec_is_valid(repo_root, name):
    env = load_environment(spec_path(repo_root, name), repo_root)
    assert env.name == name


def test_prod_has_three_azs_a_nat_per_az_and_a_synchronous_three_node_database(repo_root):
    prod = load_environment(spec_path(repo_root, "prod"), repo_root)
    for region in (prod.network.primary, prod.network.dr):
        assert len(region.availability_zones) == 3
        assert region.nat == "per_az"
    assert prod.database.nodes >= 3 and prod.database.synchronous_mode


def test_no_two_environments_share_address_space(repo_root):
    networks = []
    for name in ENVIRONMENT_NAMES:
        env = load_environment(spec_path(repo_root, name), repo_root)
        networks += [(name, ipaddress.IPv4Network(env.network.primary.vpc_cidr)),
                     (name, ipaddress.IPv4Network(env.network.dr.vpc_cidr))]
    for i, (name_a, a) in enumerate(networks):
        for name_b, b in networks[i + 1:]:
            assert not a.overlaps(b), f"{name_a} {a} overlaps {name_b} {b}"


def test_local_hosts_are_distinct_loopback_addresses(repo_root):
    local = load_environment(spec_path(repo_root, "local"), repo_root)
    addresses = [a for group in local.hosts.values() for a in group.addresses or []]
    assert addresses and len(addresses) == len(set(addresses))
    assert all(ipaddress.IPv4Address(a).is_loopback for a in addresses)
