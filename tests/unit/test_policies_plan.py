"""Reading `terraform show -json`: the resources a plan leaves; values known, absent or known only after apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qvctl.policies.plan import Plan, PlanError, Resource, has_unknown
from qvctl.policies.violation import Unknown

VALUES = {"xs": [{"a": 1}], "name": "text"}


def _resource(values: dict[str, Any], unknown: dict[str, Any] | None = None) -> Resource:
    return Resource("aws_x.y", "aws_x", values, unknown or {})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(("xs", 0, "a"), 1, id="into a list"),
        pytest.param(("xs", 1), None, id="just past the list's end"),
        pytest.param(("xs", 5, "a"), None, id="far past the list's end"),
        pytest.param(("missing", 0), None, id="an index into nothing"),
        pytest.param(("name", "a"), None, id="a key into text"),
        pytest.param(("xs", "a"), None, id="a key into a list"),
    ],
)
def test_a_path_the_values_do_not_hold_reads_as_none(path: tuple[str | int, ...], expected: object) -> None:
    resource = _resource(VALUES, {"xs": [{"a": False}]})
    assert resource.get(*path) == expected


@pytest.mark.parametrize(
    ("unknown", "path", "named"),
    [
        pytest.param({"xs": True}, ("xs", 0, "a"), "xs.0.a", id="the list itself"),
        pytest.param({"xs": [{"a": True}]}, ("xs", 0, "a"), "xs.0.a", id="a field of an item"),
        pytest.param({"xs": [{"a": True}]}, ("xs",), "xs", id="anything inside"),
        pytest.param({"xs": [False, {"b": [True]}]}, ("xs",), "xs", id="deep inside a later item"),
    ],
)
def test_a_value_known_only_after_apply_raises_unknown_naming_its_path(
    unknown: dict[str, Any], path: tuple[str | int, ...], named: str
) -> None:
    with pytest.raises(Unknown) as raised:
        _resource(VALUES, unknown).get(*path)
    assert str(raised.value) == named


def test_a_list_s_length_is_known_when_only_its_items_fields_are_not() -> None:
    assert _resource(VALUES, {"xs": [{"a": True}]}).length("xs") == 1
    assert _resource(VALUES).length("name") == 0
    with pytest.raises(Unknown) as raised:
        _resource({"outer": {}}, {"outer": {"xs": True}}).length("outer", "xs")
    assert str(raised.value) == "outer.xs"


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        ({"a": [False, {"b": True}]}, True),
        ([False, [True]], True),
        ({"a": [False, {"b": False}]}, False),
        (False, False),
        ({}, False),
    ],
)
def test_has_unknown_looks_through_maps_and_lists(mark: object, expected: bool) -> None:
    assert has_unknown(mark) is expected


def test_a_tag_is_read_from_tags_all_before_tags() -> None:
    # tags_all holds the provider's default tags as well; tags alone may miss the one asked for.
    assert _resource({"tags": {"tier": "own"}, "tags_all": {"tier": "all"}}).tag("tier") == "all"
    assert _resource({"tags": {"tier": "own"}, "tags_all": None}).tag("tier") == "own"
    assert _resource({"tags": "not a map"}).tag("tier") is None


def _change(address: str, actions: list[str], mode: str = "managed") -> dict[str, Any]:
    return {
        "address": address,
        "mode": mode,
        "type": address.split(".")[0],
        "change": {"actions": actions, "after": {"id": address}, "after_unknown": {}},
    }


def test_a_plan_holds_the_managed_resources_that_stay() -> None:
    document = {
        "resource_changes": [
            _change("aws_s3_bucket.gone", ["delete"]),
            _change("aws_s3_bucket.replaced", ["delete", "create"]),
            _change("aws_iam_policy_document.read", ["read"], mode="data"),
            {"address": "aws_s3_bucket.bare", "mode": "managed", "type": "aws_s3_bucket"},
            _change("aws_s3_bucket.kept", ["no-op"]),
        ]
    }
    plan = Plan.from_document(document, "plan.json")
    assert [(r.address, r.get("id")) for r in plan.resources] == [
        ("aws_s3_bucket.replaced", "aws_s3_bucket.replaced"),
        ("aws_s3_bucket.bare", None),
        ("aws_s3_bucket.kept", "aws_s3_bucket.kept"),
    ]


def test_a_plan_file_is_named_as_given_or_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"resource_changes": []}))
    assert Plan.load(path).file == str(path)
    assert Plan.load(path, shown_as="dev plan").file == "dev plan"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(None, "not readable as JSON ([Errno 2] No such file or directory: '{path}')", id="missing"),
        pytest.param("{not json", "not readable as JSON (Expecting property name", id="not JSON"),
        pytest.param("{}", "no resource_changes; give `terraform show -json` of a saved plan", id="not a plan"),
        pytest.param("[]", "no resource_changes; give `terraform show -json` of a saved plan", id="a list"),
    ],
)
def test_a_file_that_is_no_saved_plan_fails_with_one_line_naming_it(
    tmp_path: Path, text: str | None, problem: str
) -> None:
    path = tmp_path / "plan.json"
    if text is not None:
        path.write_text(text)
    with pytest.raises(PlanError) as raised:
        Plan.load(path)
    assert str(raised.value).startswith(f"{path}: {problem.format(path=path)}")
