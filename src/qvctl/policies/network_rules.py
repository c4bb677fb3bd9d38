"""Network rules: nothing admits the whole internet but HTTPS on the load balancer, and nothing opens SSH.

Administrators reach hosts through SSM Session Manager, so port 22 has no reason to be open
from anywhere, not even from inside the VPC.
"""

from __future__ import annotations

from qvctl.policies.plan import Plan
from qvctl.policies.security_groups import ANYWHERE, ingress_rules
from qvctl.policies.violation import Verdicts

HTTPS = 443
SSH = 22


def _load_balancer_groups(plan: Plan) -> set[str]:
    groups: set[str] = set()
    for balancer in plan.of_type("aws_lb"):
        groups.update(balancer.get("security_groups") or [])
    return groups


def check(plan: Plan, verdicts: Verdicts) -> None:
    for rule in ingress_rules(plan):
        with verdicts.judging(rule.address, "network/no-open-ingress") as fail:
            opened = [c for c in rule.cidrs() if c in ANYWHERE]
            if opened:
                protocol, first, last = rule.port_range()
                if (protocol, first, last) not in (("tcp", HTTPS, HTTPS), ("6", HTTPS, HTTPS)):
                    fail(
                        f"admits {', '.join(opened)} on {protocol} {first}-{last}; only {HTTPS}/tcp may be open "
                        "to the internet"
                    )
                elif rule.group_id() not in _load_balancer_groups(plan):
                    fail(f"admits {', '.join(opened)} on {HTTPS} to a group that is not a load balancer's")
        with verdicts.judging(rule.address, "network/no-ssh") as fail:
            if rule.opens_tcp_port(SSH):
                protocol, first, last = rule.port_range()
                fail(f"opens SSH ({protocol} {first}-{last} includes {SSH}); use SSM Session Manager")
