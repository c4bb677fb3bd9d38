"""Property-based: whatever the file holds, the loader returns a valid model or a clean SpecError."""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qvctl.spec import Environment, SpecError
from qvctl.spec.loader import parse_environment

from ..conftest import ROOT

DEV = yaml.safe_load((ROOT / "environments" / "dev.yaml").read_text())

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["10.0.0.0/33", "10.20.0.0/16", "latest", "", "per_az", "1.31"]),
)
yaml_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _outcome(text: str) -> Environment | SpecError:
    try:
        return parse_environment(text, "fuzz.yaml")
    except SpecError as err:
        return err


def _assert_clean(result: Environment | SpecError) -> None:
    if isinstance(result, SpecError):
        assert result.problems, "a SpecError must say what is wrong"
        for line in result.problems:
            assert line.startswith("fuzz.yaml: ")
            assert "\n" not in line and "Traceback" not in line
    else:
        assert isinstance(result, Environment)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_model_or_a_clean_error(text):
    _assert_clean(_outcome(text))


@settings(max_examples=300, deadline=None)
@given(yaml_values)
def test_any_yaml_document_gives_a_model_or_a_clean_error(value):
    _assert_clean(_outcome(yaml.safe_dump(value)))


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, (*prefix, index))
    yield prefix


LEAF_PATHS = [p for p in _paths(DEV) if p]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(LEAF_PATHS), yaml_values), min_size=1, max_size=3))
def test_a_valid_spec_with_random_fields_replaced_gives_a_model_or_a_clean_error(replacements):
    spec = copy.deepcopy(DEV)
    for path, value in replacements:
        node = spec
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    result = _outcome(yaml.safe_dump(spec))
    _assert_clean(result)
    if isinstance(result, SpecError):
        # The error names a field that exists in the spec (or the whole file), never garbage.
        first_field = result.problems[0].removeprefix("fuzz.yaml: ").split(":")[0].split(".")[0].split("[")[0]
        assert first_field in spec or first_field in Environment.model_fields or " " in first_field
