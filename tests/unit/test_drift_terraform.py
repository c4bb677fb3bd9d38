"""Terraform's half of `qvctl drift`: resource_drift of a refresh-only plan, configured attributes only.

fixtures/terraform_drift/dev_refresh_only.json is recorded: `terraform show -json` of
`terraform plan -refresh-only` over the dev topology applied to the emulator, after the artifacts
bucket's Environment tag was changed with boto3; trimmed to four of its drift entries and the
configuration blocks of those resources (and the emulator's canonical user id, a hex string the
secrets scan flags, replaced by a name). Besides the tag, the security group and the role differ
only in what other resources manage (rules, policy attachments), and the rule lost its
description in the emulator (a configured attribute, so it counts).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qvctl.drift.terraform import configured_attributes, describe, differences, findings

RECORDED = Path(__file__).parent / "fixtures" / "terraform_drift" / "dev_refresh_only.json"
BUCKET = 'module.storage.module.bucket["artifacts"].aws_s3_bucket.this'
RULE = 'module.primary.module.security.aws_vpc_security_group_ingress_rule.between_groups["db_pg_from_app"]'


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(RECORDED.read_text())
    return document


def test_the_changed_tag_is_named_with_both_values(recorded: dict[str, Any]) -> None:
    bucket = next(f for f in findings(recorded) if f.subject == BUCKET)
    assert bucket.layer == "terraform"
    assert bucket.paths == ("tags.Environment", "tags_all.Environment")
    assert bucket.what.startswith('tags.Environment: "dev" → "changed-by-hand"')


def test_attributes_the_configuration_does_not_set_are_not_drift(recorded: dict[str, Any]) -> None:
    # The bucket's inline policy/encryption/versioning and the group's and role's rules and policies are
    # managed by resources of their own: they differ in resource_drift, but nothing in the code sets them.
    drifted = {e["address"] for e in recorded["resource_drift"]}
    assert len(drifted) == 4
    assert [f.subject for f in findings(recorded)] == [RULE, BUCKET]
    bucket = next(f for f in findings(recorded) if f.subject == BUCKET)
    assert not any(p.startswith(("policy", "versioning", "server_side_encryption")) for p in bucket.paths)


def test_a_configured_attribute_lost_in_the_emulator_is_reported(recorded: dict[str, Any]) -> None:
    rule = next(f for f in findings(recorded) if f.subject == RULE)
    assert rule.paths == ("description",) and rule.what.endswith("→ (none)")


def test_configured_attributes_are_found_through_nested_modules(recorded: dict[str, Any]) -> None:
    configured = configured_attributes(recorded)
    assert "tags" in configured["module.storage.module.bucket.aws_s3_bucket.this"]
    assert "policy" not in configured["module.storage.module.bucket.aws_s3_bucket.this"]


def test_a_sensitive_value_is_never_shown() -> None:
    change = {
        "actions": ["update"],
        "before": {"value": "old-value", "name": "a"},
        "after": {"value": "new-value", "name": "b"},
        "before_sensitive": {"value": True},
        "after_sensitive": {"value": True},
    }
    described = describe(change)
    assert described is not None
    what, paths = described
    assert "-value" not in what and "value (sensitive)" in what and paths == ("name", "value")


def test_a_deleted_object_and_walking_lists() -> None:
    assert describe({"actions": ["delete"], "before": {"id": "x"}, "after": None}) == ("deleted outside Terraform", ())
    assert differences({"rule": [{"days": 1}, {"days": 2}]}, {"rule": [{"days": 1}, {"days": 3}]}) == [
        (("rule", 1, "days"), 2, 3)
    ]
    assert differences({"rule": [1]}, {"rule": [1, 2]}) == [(("rule",), [1], [1, 2])]


def test_nothing_and_an_empty_collection_are_no_drift_but_a_value_is() -> None:
    # What a provider's read gives an unset set attribute (CloudTrail's event selectors on the emulator).
    assert differences({"sources": None, "tags": {}}, {"sources": [], "tags": None}) == []
    assert differences({"sources": None}, {"sources": ["kms"]}) == [(("sources",), None, ["kms"])]
    assert differences({"sources": []}, {"sources": ""}) == [(("sources",), [], "")]
