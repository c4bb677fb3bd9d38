"""Encryption at rest with a customer-managed key: a KMS key this configuration manages.

An AWS-managed key (aws/s3, aws/secretsmanager, ...) or a key from elsewhere fails: its
policy and rotation are not ours to review. Judged: S3 buckets (their SSE configuration),
EBS volumes, instance block devices, launch templates, EKS node groups (through their
launch template), log groups, secrets (and their replicas), EBS snapshot copies,
ElastiCache replication groups, OpenSearch domains and CloudTrail trails (their log files).
"""

from __future__ import annotations

from collections.abc import Callable

from qvctl.policies.plan import Plan, Resource
from qvctl.policies.violation import Verdicts

RULE = "encryption-at-rest/customer-managed-key"
Fail = Callable[[str], None]
# The managed keys, read only when a resource names a key: a missing key is a violation even in a first plan.
Keys = Callable[[], set[str]]


def _managed_keys(plan: Plan) -> set[str]:
    keys: set[str] = set()
    for key in plan.of_type("aws_kms_key", "aws_kms_replica_key"):
        keys.update(str(v) for v in (key.get("arn"), key.get("id"), key.get("key_id")) if v)
    for alias in plan.of_type("aws_kms_alias"):
        if alias.get("target_key_id") in keys:
            keys.update(str(v) for v in (alias.get("arn"), alias.get("name")) if v)
    return keys


def _key(fail: Fail, keys: Keys, what: str, key: object) -> None:
    if not key:
        fail(f"{what} names no KMS key (AWS-managed or no encryption); give it a customer-managed key")
    elif str(key) not in keys():
        fail(f"{what} uses {key}, not a KMS key this configuration manages")


def _bucket(plan: Plan, bucket: Resource, keys: Keys, fail: Fail) -> None:
    configs = plan.matching(
        ["aws_s3_bucket_server_side_encryption_configuration"], "bucket", [bucket.get("id"), bucket.get("bucket")]
    )
    defaults = [
        d
        for c in configs
        for r in (c.get("rule") or [])
        for d in (r.get("apply_server_side_encryption_by_default") or [])
    ]
    if not defaults:
        fail("has no aws_s3_bucket_server_side_encryption_configuration with a default KMS key")
    for default in defaults:
        if default.get("sse_algorithm") not in ("aws:kms", "aws:kms:dsse"):
            fail(f"default encryption is {default.get('sse_algorithm')}, not SSE-KMS")
        else:
            _key(fail, keys, "default encryption", default.get("kms_master_key_id"))


def _devices(resource: Resource, keys: Keys, fail: Fail) -> None:
    """Block devices field by field: a replaced instance's devices have unknown IDs but known encryption."""
    paths: list[tuple[str | int, ...]] = []
    for kind in ("root_block_device", "ebs_block_device"):
        paths += [(kind, index) for index in range(resource.length(kind))]
    for index in range(resource.length("block_device_mappings")):
        paths += (
            [("block_device_mappings", index, "ebs", 0)]
            if resource.length("block_device_mappings", index, "ebs")
            else []
        )
    if resource.type == "aws_launch_template" and not paths:
        fail("declares no EBS block device, so volumes get the AMI's and account's default encryption")
    for path in paths:
        where = f"{path[0]}[{path[1]}]"
        if str(resource.get(*path, "encrypted")).lower() != "true":
            fail(f"{where} is not encrypted")
        else:
            _key(fail, keys, where, resource.get(*path, "kms_key_id"))


def _judge(plan: Plan, resource: Resource, keys: Keys, fail: Fail) -> None:
    kind = resource.type
    if kind == "aws_s3_bucket":
        _bucket(plan, resource, keys, fail)
    elif kind in ("aws_instance", "aws_launch_template"):
        _devices(resource, keys, fail)
    elif kind == "aws_eks_node_group":
        if not resource.get("launch_template"):
            fail("has no launch template: node volumes get the account's default encryption, not a managed key")
    elif kind in ("aws_ebs_volume", "aws_ebs_snapshot_copy"):
        if not resource.get("encrypted"):
            fail("is not encrypted")
        else:
            _key(fail, keys, "the volume", resource.get("kms_key_id"))
    elif kind == "aws_cloudwatch_log_group":
        _key(fail, keys, "the resource", resource.get("kms_key_id"))
    elif kind == "aws_secretsmanager_secret":
        _key(fail, keys, "the resource", resource.get("kms_key_id"))
        for index in range(resource.length("replica")):  # field by field: a replica's status is unknown in any update
            where = f"replica[{index}] ({resource.get('replica', index, 'region')})"
            _key(fail, keys, where, resource.get("replica", index, "kms_key_id"))
    elif kind == "aws_elasticache_replication_group":
        if not resource.get("at_rest_encryption_enabled"):
            fail("has at_rest_encryption_enabled off")
        _key(fail, keys, "at-rest encryption", resource.get("kms_key_id"))
    elif kind == "aws_cloudtrail":
        _key(fail, keys, "the log files", resource.get("kms_key_id"))
    elif kind == "aws_opensearch_domain":
        if not resource.get("encrypt_at_rest", 0, "enabled"):
            fail("has encrypt_at_rest off")
        _key(fail, keys, "encrypt_at_rest", resource.get("encrypt_at_rest", 0, "kms_key_id"))


JUDGED = (
    "aws_s3_bucket",
    "aws_instance",
    "aws_launch_template",
    "aws_eks_node_group",
    "aws_ebs_volume",
    "aws_ebs_snapshot_copy",
    "aws_cloudwatch_log_group",
    "aws_secretsmanager_secret",
    "aws_elasticache_replication_group",
    "aws_opensearch_domain",
    "aws_cloudtrail",
)


def check(plan: Plan, verdicts: Verdicts) -> None:
    for resource in plan.of_type(*JUDGED):
        with verdicts.judging(resource.address, RULE) as fail:
            _judge(plan, resource, lambda: _managed_keys(plan), fail)
