"""Segmentation: the data tier has no way to or from the internet but what is named.

- A subnet tagged `qv:tier = private-data` is associated only with route tables that have no
  route to an internet gateway (egress goes through NAT and VPC endpoints).
- The security group tagged `qv:tier = database` admits only the groups tagged `app` and
  `observability`, and itself (Patroni, etcd and replication between the database nodes);
  never a CIDR.
"""

from __future__ import annotations

from qvctl.policies.plan import Plan, Resource
from qvctl.policies.security_groups import ingress_rules
from qvctl.policies.violation import Verdicts

DATA_TIER = "private-data"
DATABASE_TIER = "database"
ADMITTED_TIERS = ("app", "observability")


def _internet_gateway_routes(plan: Plan, table: Resource) -> list[str]:
    gateways = {g.get("id") for g in plan.of_type("aws_internet_gateway")}
    found = []
    for route in plan.matching(["aws_route"], "route_table_id", [table.get("id")]):
        gateway = route.get("gateway_id")
        if gateway and (gateway in gateways or str(gateway).startswith("igw-")):
            found.append(f"{route.address} ({route.get('destination_cidr_block')} via {gateway})")
    for index, inline in enumerate(table.get("route") or []):
        gateway = inline.get("gateway_id")
        if gateway and (gateway in gateways or str(gateway).startswith("igw-")):
            found.append(f"{table.address} route[{index}] ({inline.get('cidr_block')} via {gateway})")
    return found


def _data_subnets(plan: Plan, verdicts: Verdicts) -> None:
    for subnet in plan.of_type("aws_subnet"):
        if subnet.tag("qv:tier") != DATA_TIER:
            continue
        with verdicts.judging(subnet.address, "segmentation/data-subnet-no-internet-route") as fail:
            associations = plan.matching(["aws_route_table_association"], "subnet_id", [subnet.get("id")])
            tables = plan.matching(["aws_route_table"], "id", [a.get("route_table_id") for a in associations])
            if not tables:
                fail("is associated with no route table of this plan (it would use the VPC's main table)")
            for table in tables:
                for route in _internet_gateway_routes(plan, table):
                    fail(f"routes to an internet gateway through {route}")


def _database_group(plan: Plan, verdicts: Verdicts) -> None:
    groups = plan.of_type("aws_security_group")
    for database in (g for g in groups if g.tag("qv:tier") == DATABASE_TIER):
        with verdicts.judging(database.address, "segmentation/database-admits-app-and-observability") as fail:
            database_id = database.get("id")
            admitted = {g.get("id") for g in groups if g.tag("qv:tier") in ADMITTED_TIERS} | {database_id}
            names = {g.get("id"): g.address for g in groups}
            for rule in ingress_rules(plan):
                if rule.group_id() != database_id:
                    continue
                for cidr in rule.cidrs():
                    fail(f"{rule.address} admits the CIDR {cidr}; admit the app or observability group instead")
                for source in rule.source_groups():
                    if source not in admitted:
                        fail(
                            f"{rule.address} admits {names.get(source, source)}, which is neither the app nor "
                            "the observability group"
                        )


def check(plan: Plan, verdicts: Verdicts) -> None:
    _data_subnets(plan, verdicts)
    _database_group(plan, verdicts)
