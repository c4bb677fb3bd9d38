"""Policies as code (src/qvctl/policies): each passes its passing fixture and fails its failing one.

A failure must name the file, the resource and the rule: the assertions compare the whole
report line, so a message that loses any of the three fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qvctl.policies import encryption_at_rest, encryption_in_transit, least_privilege, network_rules, segmentation
from qvctl.policies.plan import Plan, Resource
from qvctl.policies.run import PLAN_POLICIES, manifest_verdicts, plan_verdicts
from qvctl.policies.violation import Verdicts

FIXTURES = Path(__file__).parent / "fixtures" / "policies"

# fixture stem => (rules it exercises, [(resource, rule, words of the message)] its failing twin must report)
PLAN_CASES: dict[str, tuple[set[str], list[tuple[str, str, str]]]] = {
    "segmentation": (
        {"segmentation/data-subnet-no-internet-route", "segmentation/database-admits-app-and-observability"},
        [
            (
                "module.network.aws_subnet.private_data[0]",
                "segmentation/data-subnet-no-internet-route",
                "routes to an internet gateway through module.network.aws_route.private_data_egress[0]",
            ),
            (
                'module.security.aws_security_group.this["database"]',
                "segmentation/database-admits-app-and-observability",
                'between_groups["db_from_alb"] admits module.security.aws_security_group.this["alb"]',
            ),
            (
                'module.security.aws_security_group.this["database"]',
                "segmentation/database-admits-app-and-observability",
                "admits the CIDR 10.0.0.0/8",
            ),
        ],
    ),
    "least_privilege": (
        {"least-privilege/no-wildcards", "least-privilege/irsa-trusts-its-service-account"},
        [
            (
                'module.eks.aws_iam_role.irsa["api"]',
                "least-privilege/no-wildcards",
                "statement Everything allows the action 's3:*'",
            ),
            (
                'module.eks.aws_iam_role.irsa["api"]',
                "least-privilege/no-wildcards",
                "statement Everything allows s3:* on Resource '*'",
            ),
            (
                'module.eks.aws_iam_role.irsa["api"]',
                "least-privilege/irsa-trusts-its-service-account",
                "without exactly one StringEquals <issuer>:sub",
            ),
            (
                'module.eks.aws_iam_role.irsa["api"]',
                "least-privilege/irsa-trusts-its-service-account",
                "without StringEquals <issuer>:aud",
            ),
        ],
    ),
    "encryption_at_rest": (
        {"encryption-at-rest/customer-managed-key"},
        [
            (
                'module.storage.aws_s3_bucket.this["backup"]',
                "encryption-at-rest/customer-managed-key",
                "default encryption is AES256, not SSE-KMS",
            ),
            (
                "module.network.aws_cloudwatch_log_group.flow_logs",
                "encryption-at-rest/customer-managed-key",
                "names no KMS key",
            ),
            (
                'module.secrets.aws_secretsmanager_secret.this["app"]',
                "encryption-at-rest/customer-managed-key",
                "uses alias/aws/secretsmanager, not a KMS key this configuration manages",
            ),
            (
                "module.db.module.host.aws_instance.this[0]",
                "encryption-at-rest/customer-managed-key",
                "root_block_device[0] is not encrypted",
            ),
            (
                "module.audit.aws_cloudtrail.this",
                "encryption-at-rest/customer-managed-key",
                "the log files names no KMS key",
            ),
        ],
    ),
    "encryption_in_transit": (
        {"encryption-in-transit/bucket-denies-plain-http"},
        [
            (
                'module.storage.aws_s3_bucket.this["logs"]',
                "encryption-in-transit/bucket-denies-plain-http",
                "no bucket policy denying requests without TLS",
            )
        ],
    ),
    "network_rules": (
        {"network/no-open-ingress", "network/no-ssh"},
        [
            (
                "module.security.aws_vpc_security_group_ingress_rule.admin_ssh[0]",
                "network/no-ssh",
                "opens SSH (tcp 22-22 includes 22)",
            ),
            (
                "module.security.aws_security_group_rule.app_debug[0]",
                "network/no-open-ingress",
                "admits ::/0 on tcp 8000-8000",
            ),
        ],
    ),
}


# Each fixture is judged by its own policy alone: a fixture stays small, not a whole valid plan.
POLICIES = {
    "segmentation": segmentation.check,
    "least_privilege": least_privilege.check,
    "encryption_at_rest": encryption_at_rest.check,
    "encryption_in_transit": encryption_in_transit.check_plan,
    "network_rules": network_rules.check,
}


def _judge(stem: str, path: Path) -> Verdicts:
    verdicts = Verdicts(str(path))
    POLICIES[stem](Plan.load(path), verdicts)
    return verdicts


def test_every_plan_policy_runs_on_a_plan() -> None:
    assert set(POLICIES.values()) == set(PLAN_POLICIES)


def _lines(verdicts: Verdicts) -> list[str]:
    return [str(v) for v in verdicts.violations]


def _report(verdicts: Verdicts, expected: list[tuple[str, str, str]]) -> None:
    lines = _lines(verdicts)
    for resource, rule, words in expected:
        assert any(line.startswith(f"{verdicts.file}: {resource}: [{rule}] ") and words in line for line in lines), (
            f"no line names {verdicts.file}, {resource} and [{rule}] with {words!r}:\n" + "\n".join(lines)
        )
    assert len(lines) == len(expected), "unexpected violations:\n" + "\n".join(lines)


@pytest.mark.parametrize("stem", sorted(PLAN_CASES))
def test_a_plan_policy_passes_its_passing_fixture(stem: str) -> None:
    rules, _ = PLAN_CASES[stem]
    verdicts = _judge(stem, FIXTURES / f"{stem}_pass.json")
    assert (_lines(verdicts), verdicts.undecided) == ([], [])
    assert rules and all(verdicts.judged[rule] for rule in rules), f"a rule judged nothing: {dict(verdicts.judged)}"


@pytest.mark.parametrize("stem", sorted(PLAN_CASES))
def test_a_plan_policy_names_file_resource_and_rule_of_its_failing_fixture(stem: str) -> None:
    _, expected = PLAN_CASES[stem]
    path = FIXTURES / f"{stem}_fail.json"
    verdicts = _judge(stem, path)
    _report(verdicts, expected)


def test_a_value_known_only_after_apply_leaves_the_rule_undecided_not_passed() -> None:
    rule = {
        "address": "aws_vpc_security_group_ingress_rule.x",
        "mode": "managed",
        "type": "aws_vpc_security_group_ingress_rule",
        "change": {
            "actions": ["create"],
            "after": {"ip_protocol": "tcp", "from_port": 22, "to_port": 22},
            "after_unknown": {"security_group_id": True, "cidr_ipv4": True},
        },
    }
    verdicts = plan_verdicts(Plan.from_document({"resource_changes": [rule]}, "first.json"))
    assert [str(v) for v in verdicts.undecided] == [
        "first.json: aws_vpc_security_group_ingress_rule.x: [network/no-open-ingress] undecided: cidr_ipv4 is "
        "known only after apply"
    ]
    # SSH is decided on the ports alone, which the plan knows.
    assert [v.rule for v in verdicts.violations] == ["network/no-ssh"]


def test_resources_being_deleted_are_not_judged() -> None:
    gone = {
        "address": "aws_cloudwatch_log_group.old",
        "mode": "managed",
        "type": "aws_cloudwatch_log_group",
        "change": {"actions": ["delete"], "before": {"kms_key_id": None}, "after": None},
    }
    verdicts = plan_verdicts(Plan.from_document({"resource_changes": [gone]}, "plan.json"))
    assert (verdicts.violations, sum(verdicts.judged.values())) == ([], 0)


def test_ingress_policy() -> None:
    (passing,) = manifest_verdicts(FIXTURES, [FIXTURES / "ingress_pass.yaml"])
    assert _lines(passing) == [] and passing.judged["encryption-in-transit/ingress-https-only"] == 1
    (failing,) = manifest_verdicts(FIXTURES, [FIXTURES / "ingress_fail.yaml"])
    _report(
        failing,
        [
            ("Ingress quantumvest/api", "encryption-in-transit/ingress-https-only", "does not force HTTPS"),
            (
                "Ingress quantumvest/api",
                "encryption-in-transit/ingress-https-only",
                "serves admin.quantumvest.example.com without a spec.tls entry",
            ),
        ],
    )
    assert failing.file == "ingress_fail.yaml"


def test_manifest_secrets_policy() -> None:
    (passing,) = manifest_verdicts(FIXTURES, [FIXTURES / "manifest_secrets_pass.yaml"])
    assert _lines(passing) == [] and passing.judged["secrets/none-in-manifests"] == 2
    (failing,) = manifest_verdicts(FIXTURES, [FIXTURES / "manifest_secrets_fail.yaml"])
    _report(
        failing,
        [
            (
                "Deployment quantumvest/api",
                "secrets/none-in-manifests",
                "env QV_DB_PASSWORD holds a literal credential",
            ),
            ("Secret quantumvest/api-database", "secrets/none-in-manifests", "carries data in a committed manifest"),
        ],
    )


def test_a_recognised_credential_fails_whatever_its_variable_is_called() -> None:
    key = "AKIA" + "Q3EGRIYLXR4PZ7TA"  # built here so the repository scan never sees a key in this file
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "qv"},
        "spec": {"template": {"spec": {"containers": [{"env": [{"name": "QV_UPSTREAM", "value": key}]}]}}},
    }
    verdicts = Verdicts("x.yaml")
    from qvctl.policies.secrets import check_manifest

    check_manifest(deployment, verdicts)
    assert _lines(verdicts) == [
        "x.yaml: Deployment qv/api: [secrets/none-in-manifests] env QV_UPSTREAM holds what "
        "detect-secrets recognises as a AWS Access Key"
    ]


def test_pg_hba_policy() -> None:
    passing = encryption_in_transit.check_pg_hba(FIXTURES, Path("pg_hba_pass.yml.j2"))
    assert _lines(passing) == [] and passing.judged["encryption-in-transit/pg-hba-hostssl-only"] == 2
    failing = encryption_in_transit.check_pg_hba(FIXTURES, Path("pg_hba_fail.yml.j2"))
    _report(
        failing,
        [
            (
                "pg_hba line 6",
                "encryption-in-transit/pg-hba-hostssl-only",
                "entry type 'host' accepts connections without TLS",
            )
        ],
    )


def test_a_replaced_instance_is_judged_on_its_known_encryption_fields() -> None:
    """A replacement leaves a device's IDs unknown, not its encryption; an unknown device list stays undecided."""
    key = {
        "address": "aws_kms_key.k",
        "mode": "managed",
        "type": "aws_kms_key",
        "change": {"actions": ["no-op"], "after": {"arn": "arn:k", "id": "k", "key_id": "k"}, "after_unknown": {}},
    }

    def instance(after: dict[str, object], unknown: dict[str, object]) -> dict[str, object]:
        return {
            "address": "aws_instance.db",
            "mode": "managed",
            "type": "aws_instance",
            "change": {"actions": ["delete", "create"], "after": after, "after_unknown": unknown},
        }

    replaced = instance(
        {"root_block_device": [{"encrypted": False, "kms_key_id": "arn:k"}]},
        {"root_block_device": [{"volume_id": True}]},
    )
    verdicts = plan_verdicts(Plan.from_document({"resource_changes": [key, replaced]}, "p.json"))
    assert [str(v) for v in verdicts.violations] == [
        "p.json: aws_instance.db: [encryption-at-rest/customer-managed-key] root_block_device[0] is not encrypted"
    ]
    unknown_list = instance({}, {"root_block_device": True})
    verdicts = plan_verdicts(Plan.from_document({"resource_changes": [key, unknown_list]}, "p.json"))
    assert [v.message for v in verdicts.undecided] == ["undecided: root_block_device is known only after apply"]


def test_an_irsa_role_trusting_another_service_account_than_its_own_fails() -> None:
    plan = Plan.load(FIXTURES / "least_privilege_pass.json")
    (api,) = [r for r in plan.resources if r.address == 'module.eks.aws_iam_role.irsa["api"]']
    trust = str(api.values["assume_role_policy"]).replace(":quantumvest:api", ":external-secrets:external-secrets")
    other = Plan(plan.file, (Resource(api.address, api.type, {**api.values, "assume_role_policy": trust}, {}),))
    verdicts = Verdicts(plan.file)
    least_privilege.check(other, verdicts)
    assert [v.message for v in verdicts.violations] == [
        "trusts system:serviceaccount:external-secrets:external-secrets but is tagged for "
        "system:serviceaccount:quantumvest:api"
    ]
