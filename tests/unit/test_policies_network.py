"""Network rules and segmentation over ingress rules declared each of Terraform's three ways.

The three ways: aws_vpc_security_group_ingress_rule, aws_security_group_rule (type ingress) and
the inline `ingress` blocks of aws_security_group; each rule fixture sits beside its boundary twin.
"""

from __future__ import annotations

from typing import Any

from qvctl.policies import network_rules, segmentation
from tests.unit.policy_plans import PLAN_FILE, change, judge, line, lines

OPEN = "network/no-open-ingress"
SSH = "network/no-ssh"
DATA_ROUTE = "segmentation/data-subnet-no-internet-route"
DATABASE = "segmentation/database-admits-app-and-observability"


def _vpc_rule(
    name: str, group: str, protocol: str, ports: tuple[int | None, int | None], **source: Any
) -> dict[str, Any]:
    first, last = ports
    values = {"security_group_id": group, "ip_protocol": protocol, "from_port": first, "to_port": last}
    return change(f"aws_vpc_security_group_ingress_rule.{name}", {**values, **source})


def _group_rule(
    name: str, group: str, protocol: str, ports: tuple[int, int], kind: str = "ingress", **source: Any
) -> dict[str, Any]:
    values = {
        "type": kind,
        "security_group_id": group,
        "protocol": protocol,
        "from_port": ports[0],
        "to_port": ports[1],
    }
    return change(f"aws_security_group_rule.{name}", {**values, **source})


def _inline(protocol: str, first: int, last: int, **source: Any) -> dict[str, Any]:
    return {
        "protocol": protocol,
        "from_port": first,
        "to_port": last,
        "cidr_blocks": [],
        "security_groups": [],
        **source,
    }


def _group(
    name: str, group_id: str, tier: str | None = None, ingress: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    # The tier is read from tags_all (tags plus the provider's default tags), as Terraform plans hold it.
    tags_all = {"Name": name, **({"qv:tier": tier} if tier else {})}
    return change(
        f"aws_security_group.{name}",
        {"id": group_id, "tags": {"Name": name}, "tags_all": tags_all, "ingress": ingress or []},
    )


def test_only_https_on_a_load_balancer_is_open_to_the_internet() -> None:
    verdicts = judge(
        network_rules.check,
        change("aws_lb.edge", {"security_groups": ["sg-alb"]}),
        _vpc_rule("alb_https6", "sg-alb", "6", (443, 443), cidr_ipv6="::/0"),
        _vpc_rule("alb_http", "sg-alb", "tcp", (80, 80), cidr_ipv4="0.0.0.0/0"),
        _vpc_rule("alb_wide", "sg-alb", "tcp", (443, 444), cidr_ipv6="::/0"),
        _vpc_rule("app_private", "sg-app", "tcp", (8000, 8000), cidr_ipv4="10.0.0.0/16"),
        _group_rule("app_https", "sg-app", "tcp", (443, 443), cidr_blocks=["0.0.0.0/0"], ipv6_cidr_blocks=["::/0"]),
        _group_rule("app_debug", "sg-app", "tcp", (8000, 8000), cidr_blocks=["0.0.0.0/0"], ipv6_cidr_blocks=["::/0"]),
        _group_rule("egress", "sg-app", "-1", (0, 0), kind="egress", cidr_blocks=["0.0.0.0/0"]),
        _group("alb", "sg-alb", ingress=[_inline("tcp", 443, 443, cidr_blocks=["0.0.0.0/0"])]),
        _group(
            "app", "sg-app", ingress=[_inline("tcp", 8000, 8000), _inline("udp", 53, 53, cidr_blocks=["0.0.0.0/0"])]
        ),
    )
    assert lines(verdicts) == [
        line(address, OPEN, message)
        for address, message in (
            (
                "aws_vpc_security_group_ingress_rule.alb_http",
                "admits 0.0.0.0/0 on tcp 80-80; only 443/tcp may be open to the internet",
            ),
            (
                "aws_vpc_security_group_ingress_rule.alb_wide",
                "admits ::/0 on tcp 443-444; only 443/tcp may be open to the internet",
            ),
            (
                "aws_security_group_rule.app_https",
                "admits 0.0.0.0/0, ::/0 on 443 to a group that is not a load balancer's",
            ),
            (
                "aws_security_group_rule.app_debug",
                "admits 0.0.0.0/0, ::/0 on tcp 8000-8000; only 443/tcp may be open to the internet",
            ),
            (
                "aws_security_group.app ingress[1]",
                "admits 0.0.0.0/0 on udp 53-53; only 443/tcp may be open to the internet",
            ),
        )
    ]
    # Every ingress rule was judged, each of the three kinds; the egress rule was not.
    assert verdicts.judged[OPEN] == 9


def test_no_rule_opens_ssh_from_anywhere_at_all() -> None:
    private = {"cidr_ipv4": "10.0.0.0/16"}
    verdicts = judge(
        network_rules.check,
        _vpc_rule("every_protocol", "sg-db", "-1", (None, None), **private),
        _vpc_rule("tcp_unset_ports", "sg-db", "tcp", (None, None), **private),
        _vpc_rule("just_below", "sg-db", "tcp", (0, 21), **private),
        _vpc_rule("just_above", "sg-db", "tcp", (23, 1024), **private),
        _vpc_rule("udp", "sg-db", "udp", (0, 65535), **private),
        _group_rule("numbered", "sg-db", "6", (20, 22), cidr_blocks=["10.0.0.0/16"]),
        _group(
            "db", "sg-db", ingress=[_inline("tcp", 5432, 5432), _inline("tcp", 22, 22, cidr_blocks=["10.0.0.0/16"])]
        ),
    )
    assert lines(verdicts) == [
        line(address, SSH, f"opens SSH ({ports} includes 22); use SSM Session Manager")
        for address, ports in (
            ("aws_vpc_security_group_ingress_rule.every_protocol", "all 0-65535"),
            ("aws_vpc_security_group_ingress_rule.tcp_unset_ports", "tcp 0-65535"),
            ("aws_security_group_rule.numbered", "6 20-22"),
            ("aws_security_group.db ingress[1]", "tcp 22-22"),
        )
    ]


def _route_table(name: str, routes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return change(f"aws_route_table.{name}", {"id": f"rtb-{name}", "route": routes or []})


def _subnet(name: str, tier: str, table: str | None) -> list[dict[str, Any]]:
    subnet = change(f"aws_subnet.{name}", {"id": f"subnet-{name}", "tags": {"qv:tier": tier}})
    if table is None:
        return [subnet]
    association = {"subnet_id": f"subnet-{name}", "route_table_id": f"rtb-{table}"}
    return [subnet, change(f"aws_route_table_association.{name}", association)]


def _route(name: str, table: str, **target: Any) -> dict[str, Any]:
    return change(
        f"aws_route.{name}", {"route_table_id": f"rtb-{table}", "destination_cidr_block": "0.0.0.0/0", **target}
    )


def test_a_data_subnet_has_no_route_to_an_internet_gateway() -> None:
    verdicts = judge(
        segmentation.check,
        change("aws_internet_gateway.main", {"id": "gw-main"}),  # known by the plan, whatever its ID looks like
        *_subnet("public", "public", "public"),  # first, so a wrong stop at it would leave the rest unjudged
        _route_table("public"),
        _route("public_internet", "public", gateway_id="gw-main"),
        *_subnet("data_a", "private-data", "a"),
        _route_table("a"),
        _route("a_internet", "a", gateway_id="gw-main"),
        *_subnet("data_b", "private-data", "b"),
        _route_table(
            "b",
            [
                {"cidr_block": "10.1.0.0/16", "gateway_id": "vgw-peer"},
                {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-elsewhere"},
            ],
        ),
        *_subnet("data_c", "private-data", "c"),
        _route_table("c", [{"cidr_block": "0.0.0.0/0", "gateway_id": "", "nat_gateway_id": "nat-1"}]),
        _route("c_nat", "c", gateway_id=None, nat_gateway_id="nat-1"),
        _route("c_vpn", "c", gateway_id="vgw-peer"),
        *_subnet("data_d", "private-data", None),
        *_subnet("data_e", "private-data", "e"),
        _route_table("e", [{"cidr_block": "0.0.0.0/0", "gateway_id": "gw-main"}]),
        _route("e_internet", "e", gateway_id="igw-0peer"),  # a gateway of another configuration
    )
    assert lines(verdicts) == [
        line(
            "aws_subnet.data_a",
            DATA_ROUTE,
            "routes to an internet gateway through aws_route.a_internet (0.0.0.0/0 via gw-main)",
        ),
        line(
            "aws_subnet.data_b",
            DATA_ROUTE,
            "routes to an internet gateway through aws_route_table.b route[1] (0.0.0.0/0 via igw-elsewhere)",
        ),
        line(
            "aws_subnet.data_d",
            DATA_ROUTE,
            "is associated with no route table of this plan (it would use the VPC's main table)",
        ),
        line(
            "aws_subnet.data_e",
            DATA_ROUTE,
            "routes to an internet gateway through aws_route.e_internet (0.0.0.0/0 via igw-0peer)",
        ),
        line(
            "aws_subnet.data_e",
            DATA_ROUTE,
            "routes to an internet gateway through aws_route_table.e route[0] (0.0.0.0/0 via gw-main)",
        ),
    ]
    assert verdicts.judged[DATA_ROUTE] == 5


def test_the_database_group_admits_only_the_app_and_observability_groups_and_itself() -> None:
    verdicts = judge(
        segmentation.check,
        _group("alb", "sg-alb", "alb"),
        _group("app", "sg-app", "app"),
        _group("observability", "sg-obs", "observability"),
        _group(
            "database",
            "sg-db",
            "database",
            ingress=[
                _inline("tcp", 5432, 5432, security_groups=["sg-app"]),
                _inline("tcp", 5432, 5432, security_groups=["sg-alb"]),
                _inline("tcp", 2379, 2380, self=True),
            ],
        ),
        # Another group's rule first: judging the database group must look past it.
        _vpc_rule("app_from_alb", "sg-app", "tcp", (8000, 8000), referenced_security_group_id="sg-alb"),
        _vpc_rule("db_from_obs", "sg-db", "tcp", (9187, 9187), referenced_security_group_id="sg-obs"),
        _vpc_rule("db_from_self", "sg-db", "tcp", (8008, 8008), referenced_security_group_id="sg-db"),
        _vpc_rule("db_from_peer", "sg-db", "tcp", (5432, 5432), referenced_security_group_id="sg-peer-vpc"),
        _vpc_rule("db_from_v6", "sg-db", "tcp", (5432, 5432), cidr_ipv6="fd00::/8"),
        _group_rule("db_from_app", "sg-db", "tcp", (5432, 5432), source_security_group_id="sg-app"),
        _group_rule("db_from_alb", "sg-db", "tcp", (5432, 5432), source_security_group_id="sg-alb"),
        _group_rule("db_from_net", "sg-db", "tcp", (5432, 5432), cidr_blocks=["10.0.0.0/8"]),
    )
    neither = "which is neither the app nor the observability group"
    assert lines(verdicts) == [
        line("aws_security_group.database", DATABASE, message)
        for message in (
            f"aws_vpc_security_group_ingress_rule.db_from_peer admits sg-peer-vpc, {neither}",
            "aws_vpc_security_group_ingress_rule.db_from_v6 admits the CIDR fd00::/8; admit the app or observability "
            "group instead",
            f"aws_security_group_rule.db_from_alb admits aws_security_group.alb, {neither}",
            "aws_security_group_rule.db_from_net admits the CIDR 10.0.0.0/8; admit the app or observability group "
            "instead",
            f"aws_security_group.database ingress[1] admits aws_security_group.alb, {neither}",
        )
    ]


def test_inline_ingress_known_only_after_apply_leaves_each_rule_undecided_not_passed() -> None:
    group = change("aws_security_group.db", {"id": "sg-db"}, {"ingress": True})
    verdicts = judge(network_rules.check, group)
    undecided = "undecided: ingress.0.{} is known only after apply"
    assert (lines(verdicts), [str(v) for v in verdicts.undecided]) == (
        [],
        [
            f"{PLAN_FILE}: aws_security_group.db ingress[0]: [{OPEN}] {undecided.format('cidr_blocks')}",
            f"{PLAN_FILE}: aws_security_group.db ingress[0]: [{SSH}] {undecided.format('protocol')}",
        ],
    )
