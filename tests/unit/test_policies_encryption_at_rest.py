"""Encryption at rest, resource kind by kind: one that just passes beside one that just fails.

A key "this configuration manages" is an aws_kms_key or aws_kms_replica_key of the plan, named by
its ARN, ID or key ID, or an alias of one of them by its name or ARN; anything else fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from qvctl.policies import encryption_at_rest
from tests.unit.policy_plans import change, judge, line, lines

RULE = "encryption-at-rest/customer-managed-key"
KEY = "arn:aws:kms:eu-west-1:111111111111:key/data"
REPLICA_KEY = "arn:aws:kms:eu-central-1:111111111111:key/data-dr"
FOREIGN = "arn:aws:kms:eu-west-1:222222222222:key/other"
NO_KEY = "names no KMS key (AWS-managed or no encryption); give it a customer-managed key"

KEYS = [
    change("aws_kms_key.data", {"arn": KEY, "id": "data-id", "key_id": "data-key-id"}),
    change("aws_kms_replica_key.dr", {"arn": REPLICA_KEY, "id": "dr-id", "key_id": "dr-id"}),
    change(
        "aws_kms_alias.data",
        {
            "target_key_id": "data-id",
            "name": "alias/qv-data",
            "arn": "arn:aws:kms:eu-west-1:111111111111:alias/qv-data",
        },
    ),
    change("aws_kms_alias.elsewhere", {"target_key_id": "other", "name": "alias/elsewhere", "arn": "arn:elsewhere"}),
]


def _not_managed(key: str) -> str:
    return f"uses {key}, not a KMS key this configuration manages"


def _log_group(name: str, key: object) -> dict[str, Any]:
    return change(f"aws_cloudwatch_log_group.{name}", {"name": f"/qv/{name}", "kms_key_id": key})


def _bucket(name: str, *, config_names: str, algorithm: str, key: object) -> list[dict[str, Any]]:
    """A bucket (id and name differ here, so each way of naming it is tested) and its SSE configuration."""
    bucket = change(f"aws_s3_bucket.{name}", {"id": f"{name}-id", "bucket": f"{name}-name", "arn": f"arn:{name}"})
    default = {"sse_algorithm": algorithm, "kms_master_key_id": key}
    config = change(
        f"aws_s3_bucket_server_side_encryption_configuration.{name}",
        {"bucket": f"{name}-{config_names}", "rule": [{"apply_server_side_encryption_by_default": [default]}]},
    )
    return [bucket, config]


def _mapping(encrypted: str, key: object) -> dict[str, Any]:
    return {"device_name": "/dev/xvda", "ebs": [{"encrypted": encrypted, "kms_key_id": key}]}


# case => (resources besides the keys, [(address, message)] expected, in the order judged)
CASES: dict[str, tuple[list[dict[str, Any]], list[tuple[str, str]]]] = {
    "a key named by ARN, ID, key ID, replica or alias passes; a foreign alias fails": (
        [
            _log_group("by_arn", KEY),
            _log_group("by_id", "data-id"),
            _log_group("by_key_id", "data-key-id"),
            _log_group("by_replica", REPLICA_KEY),
            _log_group("by_alias_name", "alias/qv-data"),
            _log_group("by_alias_arn", "arn:aws:kms:eu-west-1:111111111111:alias/qv-data"),
            _log_group("by_foreign_alias", "alias/elsewhere"),
            _log_group("without_key", None),
        ],
        [
            ("aws_cloudwatch_log_group.by_foreign_alias", f"the resource {_not_managed('alias/elsewhere')}"),
            ("aws_cloudwatch_log_group.without_key", f"the resource {NO_KEY}"),
        ],
    ),
    "a bucket's default encryption is SSE-KMS with a managed key, found by bucket ID or name": (
        [
            *_bucket("by_id", config_names="id", algorithm="aws:kms", key=KEY),
            *_bucket("by_name", config_names="name", algorithm="aws:kms:dsse", key=KEY),
            *_bucket("foreign", config_names="id", algorithm="aws:kms", key=FOREIGN),
            *_bucket("no_key", config_names="name", algorithm="aws:kms", key=None),
            change("aws_s3_bucket.bare", {"id": "bare", "bucket": "bare", "arn": "arn:bare"}),
        ],
        [
            ("aws_s3_bucket.foreign", f"default encryption {_not_managed(FOREIGN)}"),
            ("aws_s3_bucket.no_key", f"default encryption {NO_KEY}"),
            (
                "aws_s3_bucket.bare",
                "has no aws_s3_bucket_server_side_encryption_configuration with a default KMS key",
            ),
        ],
    ),
    "every block device of an instance is encrypted with a managed key": (
        [
            change(
                "aws_instance.db",
                {
                    "root_block_device": [{"encrypted": True, "kms_key_id": KEY}],
                    "ebs_block_device": [
                        {"encrypted": True, "kms_key_id": FOREIGN},
                        {"encrypted": False, "kms_key_id": KEY},
                    ],
                },
            )
        ],
        [
            ("aws_instance.db", f"ebs_block_device[0] {_not_managed(FOREIGN)}"),
            ("aws_instance.db", "ebs_block_device[1] is not encrypted"),
        ],
    ),
    "a launch template's EBS mappings are each judged, others skipped; none at all fails": (
        [
            change(
                "aws_launch_template.nodes",
                {
                    "block_device_mappings": [
                        _mapping("false", KEY),
                        {"device_name": "/dev/sdb", "virtual_name": "ephemeral0", "ebs": []},
                        _mapping("true", KEY),
                        _mapping("true", None),
                    ]
                },
            ),
            change("aws_launch_template.empty", {"block_device_mappings": []}),
        ],
        [
            ("aws_launch_template.nodes", "block_device_mappings[0] is not encrypted"),
            ("aws_launch_template.nodes", f"block_device_mappings[3] {NO_KEY}"),
            (
                "aws_launch_template.empty",
                "declares no EBS block device, so volumes get the AMI's and account's default encryption",
            ),
        ],
    ),
    "a node group has a launch template": (
        [
            change("aws_eks_node_group.templated", {"launch_template": [{"id": "lt-1", "version": "1"}]}),
            change("aws_eks_node_group.bare", {"launch_template": []}),
        ],
        [
            (
                "aws_eks_node_group.bare",
                "has no launch template: node volumes get the account's default encryption, not a managed key",
            )
        ],
    ),
    "volumes and snapshot copies are encrypted with a managed key": (
        [
            change("aws_ebs_volume.good", {"encrypted": True, "kms_key_id": KEY}),
            change("aws_ebs_volume.plain", {"encrypted": False, "kms_key_id": KEY}),
            change("aws_ebs_snapshot_copy.foreign", {"encrypted": True, "kms_key_id": FOREIGN}),
            change("aws_ebs_snapshot_copy.plain", {"encrypted": False}),
        ],
        [
            ("aws_ebs_volume.plain", "is not encrypted"),
            ("aws_ebs_snapshot_copy.foreign", f"the volume {_not_managed(FOREIGN)}"),
            ("aws_ebs_snapshot_copy.plain", "is not encrypted"),
        ],
    ),
    "a secret and each of its replicas use a managed key": (
        [
            change(
                "aws_secretsmanager_secret.app",
                {
                    "kms_key_id": KEY,
                    "replica": [
                        {"region": "eu-central-1", "kms_key_id": REPLICA_KEY},
                        {"region": "us-east-1", "kms_key_id": FOREIGN},
                    ],
                },
            ),
            change("aws_secretsmanager_secret.own_key", {"kms_key_id": None, "replica": []}),
        ],
        [
            ("aws_secretsmanager_secret.app", f"replica[1] (us-east-1) {_not_managed(FOREIGN)}"),
            ("aws_secretsmanager_secret.own_key", f"the resource {NO_KEY}"),
        ],
    ),
    "a cache, a search domain and a trail turn encryption on with a managed key": (
        [
            change("aws_elasticache_replication_group.good", {"at_rest_encryption_enabled": True, "kms_key_id": KEY}),
            change("aws_elasticache_replication_group.off", {"at_rest_encryption_enabled": False}),
            change("aws_opensearch_domain.good", {"encrypt_at_rest": [{"enabled": True, "kms_key_id": KEY}]}),
            change("aws_opensearch_domain.off", {"encrypt_at_rest": [{"enabled": False, "kms_key_id": FOREIGN}]}),
            change("aws_cloudtrail.good", {"kms_key_id": KEY}),
            change("aws_cloudtrail.foreign", {"kms_key_id": FOREIGN}),
        ],
        [
            ("aws_elasticache_replication_group.off", "has at_rest_encryption_enabled off"),
            ("aws_elasticache_replication_group.off", f"at-rest encryption {NO_KEY}"),
            ("aws_opensearch_domain.off", "has encrypt_at_rest off"),
            ("aws_opensearch_domain.off", f"encrypt_at_rest {_not_managed(FOREIGN)}"),
            ("aws_cloudtrail.foreign", f"the log files {_not_managed(FOREIGN)}"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_encryption_at_rest(case: str) -> None:
    resources, expected = CASES[case]
    verdicts = judge(encryption_at_rest.check, *KEYS, *resources)
    assert lines(verdicts) == [line(address, RULE, message) for address, message in expected]
    # Every resource of the case was judged, the passing ones too.
    assert verdicts.judged[RULE] == len({r["address"] for r in resources if r["type"] in encryption_at_rest.JUDGED})
