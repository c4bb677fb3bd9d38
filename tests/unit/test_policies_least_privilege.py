"""Least privilege: which roles are application roles, what their Allow statements may say, whom IRSA trusts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qvctl.policies import least_privilege
from qvctl.policies.iam import statements
from tests.unit.policy_plans import change, judge, line, lines

WILDCARDS = "least-privilege/no-wildcards"
TRUST = "least-privilege/irsa-trusts-its-service-account"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
API_ACCOUNT = "system:serviceaccount:quantumvest:api"
NO_ONE_SUBJECT = "trusts web identities without exactly one StringEquals <issuer>:sub service account"
NO_AUDIENCE = "trusts web identities without StringEquals <issuer>:aud = sts.amazonaws.com"


def _document(*found: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(found)})


def _web_identity(sub: object = API_ACCOUNT, aud: object = "sts.amazonaws.com") -> dict[str, Any]:
    equals = {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": aud}
    return {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::111111111111:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {k: v for k, v in equals.items() if v is not None}},
    }


def _service(service: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}


EC2 = _service("ec2.amazonaws.com")


def _role(name: str, *trust: dict[str, Any], tags: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A role whose name and ID differ, so a policy naming it either way is tested."""
    values = {"name": f"{name}-name", "id": f"{name}-id", "assume_role_policy": _document(*trust), "tags": tags}
    return change(f"aws_iam_role.{name}", {**values, **extra})


def _role_policy(name: str, role: str, *found: dict[str, Any]) -> dict[str, Any]:
    return change(f"aws_iam_role_policy.{name}", {"role": role, "policy": _document(*found)})


def _allow(sid: str | None, action: object, resource: object = "arn:aws:s3:::qv-dev-backup/*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **({"Sid": sid} if sid else {})}


@pytest.mark.parametrize(
    ("trust", "tags", "expected"),
    [
        pytest.param([_web_identity()], {"qv:service-account": "quantumvest/api"}, [], id="its own account"),
        pytest.param([_web_identity()], None, [], id="an untagged role, one account"),
        pytest.param([_web_identity(sub="quantumvest:api")], None, [NO_ONE_SUBJECT], id="not a service account"),
        pytest.param([_web_identity(sub="system:serviceaccount:quantumvest:*")], None, [NO_ONE_SUBJECT], id="a *"),
        pytest.param([_web_identity(sub="system:serviceaccount:quantumvest:ap?")], None, [NO_ONE_SUBJECT], id="a ?"),
        pytest.param(
            [_web_identity(sub=[API_ACCOUNT, "system:serviceaccount:quantumvest:worker"])],
            None,
            [NO_ONE_SUBJECT],
            id="two accounts",
        ),
        pytest.param([_web_identity(sub=None)], None, [NO_ONE_SUBJECT], id="no subject"),
        pytest.param([_web_identity(aud=None)], None, [NO_AUDIENCE], id="no audience"),
        pytest.param([_web_identity(aud="sts.example.com")], None, [NO_AUDIENCE], id="another audience"),
        pytest.param([EC2, _web_identity(sub="quantumvest:api")], None, [NO_ONE_SUBJECT], id="after another statement"),
    ],
)
def test_an_irsa_role_trusts_exactly_one_service_account_for_sts(
    trust: list[dict[str, Any]], tags: dict[str, str] | None, expected: list[str]
) -> None:
    verdicts = judge(least_privilege.check, _role("api", *trust, tags=tags))
    assert lines(verdicts) == [line("aws_iam_role.api", TRUST, message) for message in expected]
    assert verdicts.judged[TRUST] == 1


def test_only_roles_a_pod_or_a_host_assumes_are_held_to_no_wildcards() -> None:
    everything = [_allow("Everything", "s3:*", "*")]
    roles = {
        "pod": [_web_identity()],
        "host": [EC2],
        "pod_then_service": [_web_identity(), _service("vpc-flow-logs.amazonaws.com")],
        "host_then_service": [EC2, _service("vpc-flow-logs.amazonaws.com")],
        "flow_logs": [_service("vpc-flow-logs.amazonaws.com")],
        "anyone": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}],
    }
    changes = [_role(name, *trust) for name, trust in roles.items()]
    changes += [_role_policy(name, f"{name}-name", *everything) for name in roles]
    flagged = {v.resource for v in judge(least_privilege.check, *changes).violations if v.rule == WILDCARDS}
    assert flagged == {f"aws_iam_role.{name}" for name in ("pod", "host", "pod_then_service", "host_then_service")}


def test_an_allow_statement_names_every_action_and_resource() -> None:
    reads_only_on_star = ["ec2:DescribeInstances", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics"]
    role = _role("host", EC2)
    policy = _role_policy(
        "host",
        "host-name",
        _allow("Reads", reads_only_on_star, "*"),
        _allow("Named", ["s3:GetObject", "s3:PutObject"]),
        _allow("Writes", ["s3:PutObject", "s3:GetObject"], ["arn:aws:s3:::qv-dev-backup", "*"]),
        {"Sid": "Inverted", "Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::qv-dev-backup"},
        {"Sid": "Elsewhere", "Effect": "Allow", "Action": "s3:Get*", "NotResource": "arn:aws:s3:::qv-dev-backup"},
        _allow(None, "kms:*", "arn:aws:kms:eu-west-1:111111111111:key/data"),
        {"Sid": "Guard", "Effect": "Deny", "Action": "*", "Resource": "*"},
    )
    where = "aws_iam_role_policy.host statement"
    assert lines(judge(least_privilege.check, role, policy)) == [
        line("aws_iam_role.host", WILDCARDS, message)
        for message in (
            f"{where} Writes allows s3:GetObject, s3:PutObject on Resource '*'",
            f"{where} Inverted uses NotAction",
            f"{where} Elsewhere uses NotResource",
            f"{where} Elsewhere allows the action 's3:Get*'",
            f"{where} (no Sid) allows the action 'kms:*'",
        )
    ]


def test_every_inline_policy_of_a_role_is_read_whichever_way_it_is_attached() -> None:
    everything = _allow("Everything", "*", "*")
    role = _role(
        "host",
        EC2,
        # The provider shows a role without inline policies as one empty block.
        inline_policy=[{"name": "", "policy": ""}, {"name": "own", "policy": _document(everything)}],
    )
    by_name = _role_policy("by_name", "host-name", everything)
    by_id = _role_policy("by_id", "host-id", everything)
    other = _role_policy("other", "another-role", everything)
    found = [
        v.message.split(" statement ")[0] for v in judge(least_privilege.check, role, by_name, by_id, other).violations
    ]
    assert (
        found
        == ["aws_iam_role.host inline_policy[1]"] * 2
        + ["aws_iam_role_policy.by_name"] * 2
        + ["aws_iam_role_policy.by_id"] * 2
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param('{"Statement": [{"Effect": "Allow"}]}', [{"Effect": "Allow"}], id="JSON text"),
        pytest.param({"Statement": [{"Effect": "Deny"}]}, [{"Effect": "Deny"}], id="already parsed"),
        pytest.param('{"Statement": {"Effect": "Allow"}}', [{"Effect": "Allow"}], id="one statement, no list"),
        pytest.param(
            '{"Statement": ["odd", {"Effect": "Allow"}]}', [{"Effect": "Allow"}], id="non-statements left out"
        ),
        pytest.param("", [], id="empty text"),
        pytest.param(None, [], id="no document"),
    ],
)
def test_a_policy_document_reads_as_its_statements(document: object, expected: list[dict[str, str]]) -> None:
    assert statements(document) == expected
