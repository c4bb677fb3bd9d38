"""Least privilege for the roles the application's workloads assume.

Application roles are the ones a pod (web identity through the cluster's OIDC provider) or
a host (EC2) assumes. Their Allow statements name every action and resource: no `*`
anywhere in an action, no NotAction/NotResource, and Resource `*` only for the few read
actions AWS authorizes on `*` alone. Roles of AWS services (EKS control plane, flow logs,
replication) and AWS-managed policy attachments are outside this rule.

An IRSA role trusts exactly one service account: every web-identity statement has
StringEquals conditions `<issuer>:sub` = `system:serviceaccount:<namespace>:<name>` (one
value, no wildcard; the one its `qv:service-account` tag names, when tagged) and
`<issuer>:aud` = `sts.amazonaws.com`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qvctl.policies.iam import as_list, inline_policies, statements
from qvctl.policies.plan import Plan, Resource
from qvctl.policies.violation import Verdicts

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
# Actions that have no resource-level permissions in AWS: Resource "*" is the only way to grant them.
RESOURCE_STAR_ONLY = frozenset({"ec2:DescribeInstances", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics"})


def _trusts(role: Resource) -> tuple[bool, bool]:
    """(a pod may assume it, a host may assume it)."""
    pod = host = False
    for statement in statements(role.get("assume_role_policy")):
        actions = as_list(statement.get("Action"))
        principal = statement.get("Principal") or {}
        services = as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        pod |= WEB_IDENTITY in actions
        host |= "ec2.amazonaws.com" in services
    return pod, host


def _wildcards(statement: Mapping[str, Any]) -> list[str]:
    problems = []
    for broad in ("NotAction", "NotResource"):
        if broad in statement:
            problems.append(f"uses {broad}")
    actions = [str(a) for a in as_list(statement.get("Action"))]
    problems += [f"allows the action {a!r}" for a in actions if "*" in a]
    if "*" in as_list(statement.get("Resource")) and not set(actions) <= RESOURCE_STAR_ONLY:
        others = sorted(set(actions) - RESOURCE_STAR_ONLY)
        problems.append(f"allows {', '.join(others)} on Resource '*'")
    return problems


def _one_service_account(subject: object) -> bool:
    return str(subject).startswith("system:serviceaccount:") and not {"*", "?"} & set(str(subject))


def _trust_problems(role: Resource) -> list[str]:
    tagged = role.tag("qv:service-account")
    expected = f"system:serviceaccount:{tagged.replace('/', ':', 1)}" if isinstance(tagged, str) else None
    problems = []
    for statement in statements(role.get("assume_role_policy")):
        if WEB_IDENTITY not in as_list(statement.get("Action")):
            continue
        equals = (statement.get("Condition") or {}).get("StringEquals") or {}
        sub = {k: as_list(v) for k, v in equals.items() if k.endswith(":sub")}
        aud = {k: as_list(v) for k, v in equals.items() if k.endswith(":aud")}
        if len(sub) != 1 or any(len(v) != 1 or not _one_service_account(v[0]) for v in sub.values()):
            problems.append("trusts web identities without exactly one StringEquals <issuer>:sub service account")
        elif expected and next(iter(sub.values())) != [expected]:
            problems.append(f"trusts {next(iter(sub.values()))[0]} but is tagged for {expected}")
        if not aud or any(v != ["sts.amazonaws.com"] for v in aud.values()):
            problems.append("trusts web identities without StringEquals <issuer>:aud = sts.amazonaws.com")
    return problems


def check(plan: Plan, verdicts: Verdicts) -> None:
    for role in plan.of_type("aws_iam_role"):
        with verdicts.judging(role.address, "least-privilege/no-wildcards") as fail:
            if any(_trusts(role)):
                for where, document in inline_policies(plan, role):
                    for statement in statements(document):
                        if statement.get("Effect") == "Allow":
                            for problem in _wildcards(statement):
                                fail(f"{where} statement {statement.get('Sid') or '(no Sid)'} {problem}")
        with verdicts.judging(role.address, "least-privilege/irsa-trusts-its-service-account") as fail:
            if _trusts(role)[0]:
                for problem in _trust_problems(role):
                    fail(problem)
