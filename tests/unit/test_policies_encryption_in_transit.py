"""Encryption in transit: the bucket policy that denies plain HTTP, HTTPS-only ingresses, hostssl-only pg_hba."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qvctl.policies import encryption_in_transit
from qvctl.policies.violation import Verdicts
from tests.unit.policy_plans import change, judge, line, lines

BUCKET_RULE = "encryption-in-transit/bucket-denies-plain-http"
NO_DENY = (
    "has no bucket policy denying requests without TLS (Deny s3:* on the bucket and its objects when "
    "aws:SecureTransport is false)"
)
INGRESS_RULE = "encryption-in-transit/ingress-https-only"
HBA_RULE = "encryption-in-transit/pg-hba-hostssl-only"


def _deny(**changed: Any) -> dict[str, Any]:
    statement = {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return {**statement, **changed}


def _judge_bucket(statement: dict[str, Any], names: str = "id") -> list[str]:
    """A bucket (its ID and name differ here, so a policy naming it either way is tested) and its policy."""
    bucket = change("aws_s3_bucket.logs", {"id": "logs-id", "bucket": "logs-name", "arn": "arn:aws:s3:::logs"})
    policy = change(
        "aws_s3_bucket_policy.logs",
        {"bucket": f"logs-{names}", "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})},
    )
    return lines(judge(encryption_in_transit.check_plan, bucket, policy))


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_deny(), id="Principal *"),
        pytest.param(_deny(Principal={"AWS": "*"}), id="Principal AWS *"),
        pytest.param(_deny(Principal={"AWS": ["*"]}, Action="*"), id="Action *"),
        pytest.param(
            _deny(Action=["s3:GetObject", "s3:*"], Condition={"Bool": {"aws:SecureTransport": False}}), id="a bool"
        ),
    ],
)
def test_a_bucket_policy_denying_everyone_everything_without_tls_passes(statement: dict[str, Any]) -> None:
    assert _judge_bucket(statement, "id") == []
    assert _judge_bucket(statement, "name") == []


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(_deny(Principal={"AWS": "arn:aws:iam::111111111111:root"}), id="one account only"),
        pytest.param(_deny(Principal={"Service": "*"}), id="a service principal"),
        pytest.param(_deny(Action="s3:GetObject"), id="one action only"),
        pytest.param(_deny(Effect="Allow"), id="Allow"),
        pytest.param(_deny(Resource="arn:aws:s3:::logs"), id="not the objects"),
        pytest.param(_deny(Condition={"Bool": {"aws:SecureTransport": "true"}}), id="denies TLS instead"),
        pytest.param(_deny(Condition={}), id="no condition"),
    ],
)
def test_a_bucket_policy_that_leaves_plain_http_open_fails(statement: dict[str, Any]) -> None:
    assert _judge_bucket(statement) == [line("aws_s3_bucket.logs", BUCKET_RULE, NO_DENY)]


def _ingress(**spec: Any) -> dict[str, Any]:
    annotations = {"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"}
    return {"kind": "Ingress", "metadata": {"name": "api", "namespace": "qv", "annotations": annotations}, "spec": spec}


def test_an_ingress_without_tls_fails_for_each_host_it_serves() -> None:
    verdicts = Verdicts("ingress.yaml")
    encryption_in_transit.check_ingress(_ingress(rules=[{"host": "a.example.com"}, {"http": {}}]), verdicts)
    encryption_in_transit.check_ingress({"kind": "Service", "metadata": {"name": "api"}}, verdicts)
    assert lines(verdicts) == [
        "ingress.yaml: Ingress qv/api: [encryption-in-transit/ingress-https-only] has no spec.tls: it would serve "
        "plain HTTP",
        "ingress.yaml: Ingress qv/api: [encryption-in-transit/ingress-https-only] serves a.example.com without a "
        "spec.tls entry for it",
    ]
    assert verdicts.judged[INGRESS_RULE] == 1


def _pg_hba(tmp_path: Path, text: str) -> Verdicts:
    (tmp_path / "patroni.yml.j2").write_text(text, encoding="utf-8")
    return encryption_in_transit.check_pg_hba(tmp_path, Path("patroni.yml.j2"))


def test_a_template_without_pg_hba_fails_naming_file_and_rule(tmp_path: Path) -> None:
    verdicts = _pg_hba(tmp_path, "postgresql:\n  parameters:\n    ssl: 'on'\n")
    assert lines(verdicts) == [
        "patroni.yml.j2: pg_hba: [encryption-in-transit/pg-hba-hostssl-only] no pg_hba: key found; PostgreSQL "
        "would fall back to its packaged pg_hba.conf"
    ]


def test_jinja_and_comment_lines_in_pg_hba_are_not_entries(tmp_path: Path) -> None:
    verdicts = _pg_hba(
        tmp_path,
        "postgresql:\n"
        "  pg_hba:\n"
        "    # host all all 0.0.0.0/0 md5 (a comment)\n"
        "    {# host all all 0.0.0.0/0 md5 (a Jinja comment) #}\n"
        "{% for cidr in cidrs %}\n"
        "    - hostssl all all {{ cidr }} scram-sha-256\n"
        "{% endfor %}\n"
        "\n"
        "    - hostnossl all all 10.0.0.0/8 scram-sha-256\n"
        "  pg_ident: []\n"
        "    - host all all 0.0.0.0/0 md5\n",
    )
    assert verdicts.file == "patroni.yml.j2"
    assert lines(verdicts) == [
        "patroni.yml.j2: pg_hba line 9: [encryption-in-transit/pg-hba-hostssl-only] entry type 'hostnossl' accepts "
        "connections without TLS; use hostssl"
    ]
    assert verdicts.judged[HBA_RULE] == 2
