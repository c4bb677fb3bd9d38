"""Every ingress rule of a plan, whichever of the three ways Terraform declares it.

`aws_vpc_security_group_ingress_rule` (one rule each), `aws_security_group_rule` with
`type = "ingress"`, and the inline `ingress` blocks of `aws_security_group`. Values are read
lazily, so an unknown value surfaces inside the rule that needs it (as undecided).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qvctl.policies.plan import Plan, Resource
from qvctl.policies.violation import Unknown

ANYWHERE = ("0.0.0.0/0", "::/0")
_ALL_PROTOCOLS = ("-1", "all")


@dataclass(frozen=True)
class IngressRule:
    resource: Resource
    inline: int | None = None  # index of the ingress block of an aws_security_group

    @property
    def address(self) -> str:
        return self.resource.address if self.inline is None else f"{self.resource.address} ingress[{self.inline}]"

    def _field(self, name: str) -> Any:
        if self.inline is None:
            return self.resource.get(name)
        return self.resource.get("ingress", self.inline, name)

    def group_id(self) -> str:
        return str(self.resource.get("id" if self.inline is not None else "security_group_id"))

    def cidrs(self) -> list[str]:
        if self.resource.type == "aws_vpc_security_group_ingress_rule":
            return [c for c in (self._field("cidr_ipv4"), self._field("cidr_ipv6")) if c]
        return [*(self._field("cidr_blocks") or []), *(self._field("ipv6_cidr_blocks") or [])]

    def source_groups(self) -> list[str]:
        if self.resource.type == "aws_vpc_security_group_ingress_rule":
            found = self._field("referenced_security_group_id")
            return [found] if found else []
        if self.resource.type == "aws_security_group_rule":
            found = self._field("source_security_group_id")
            return [found] if found else []
        return list(self._field("security_groups") or [])

    def port_range(self) -> tuple[str, int, int]:
        """(protocol, first port, last port); every protocol means every port."""
        protocol = str(self._field("ip_protocol" if self.resource.type.startswith("aws_vpc_") else "protocol"))
        if protocol in _ALL_PROTOCOLS:
            return "all", 0, 65535
        first, last = self._field("from_port"), self._field("to_port")
        return protocol, int(first if first is not None else 0), int(last if last is not None else 65535)

    def opens_tcp_port(self, port: int) -> bool:
        protocol, first, last = self.port_range()
        return protocol in ("all", "tcp", "6") and first <= port <= last


def ingress_rules(plan: Plan) -> list[IngressRule]:
    rules = [IngressRule(r) for r in plan.of_type("aws_vpc_security_group_ingress_rule")]
    rules += [IngressRule(r) for r in plan.of_type("aws_security_group_rule") if r.values.get("type") == "ingress"]
    for group in plan.of_type("aws_security_group"):
        try:
            count = group.length("ingress")
        except Unknown:
            count = 1  # blocks known only after apply: one rule stands for them, and every judgement of it is undecided
        rules += [IngressRule(group, index) for index in range(count)]
    return rules
