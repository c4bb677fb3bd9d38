"""Two production rules, each from both sides: synchronous replication and at least two API replicas.

A production spec that breaks a rule fails with exactly that rule's line; the same spec just
inside the rule, or at a lower tier, is accepted. So deleting a rule fails the first kind of
test, and tightening it beyond what it states (or applying it to every tier) fails the second.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from qvctl.spec import Environment, SpecError
from qvctl.spec.loader import parse_environment

from ..conftest import ROOT

PROD = yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text())
FILE = "environments/prod.yaml"


def _prod(**changes: Any) -> dict[str, Any]:
    """The committed prod spec with changes applied, each named `section__field=value`."""
    spec = copy.deepcopy(PROD)
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = spec
        for key in parents:
            node = node[key]
        node[leaf] = value
    return spec


def _parse(spec: dict[str, Any]) -> Environment:
    return parse_environment(yaml.safe_dump(spec), FILE)


def _problems(spec: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(SpecError) as caught:
        _parse(spec)
    return caught.value.problems


def test_production_must_replicate_synchronously() -> None:
    assert _problems(_prod(database__synchronous_mode=False)) == (
        f"{FILE}: database.synchronous_mode: production must replicate synchronously",
    )


def test_asynchronous_replication_is_allowed_below_production() -> None:
    parsed = _parse(_prod(database__synchronous_mode=False, tier="staging"))
    assert parsed.database.synchronous_mode is False


def test_production_needs_at_least_two_api_replicas() -> None:
    replicas = {**PROD["application"]["replicas"], "min": 1}
    assert _problems(_prod(application__replicas=replicas)) == (
        f"{FILE}: application.replicas.min: production needs at least 2 replicas",
    )


def test_two_api_replicas_are_enough_for_production() -> None:
    # The rule's own bound ("at least 2"), not the committed spec's value.
    replicas = {**PROD["application"]["replicas"], "min": 2}
    assert _parse(_prod(application__replicas=replicas)).application.replicas.min == 2


def test_one_api_replica_is_allowed_below_production() -> None:
    replicas = {**PROD["application"]["replicas"], "min": 1}
    assert _parse(_prod(application__replicas=replicas, tier="staging")).application.replicas.min == 1
