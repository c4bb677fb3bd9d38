"""Every rule of the spec model has a test that triggers it and expects its message.

A rule nobody triggers is a rule nobody keeps: this reads the model's `raise ValueError(...)`
messages and requires the longest literal part of each to appear in an expected message of the
spec tests (tests/unit/test_spec_*.py). It does not prove the test triggers that rule, but the spec
tests compare whole messages, so an expectation without its rule fails there.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..conftest import ROOT

MODEL = ROOT / "src" / "qvctl" / "spec" / "model.py"
SPEC_TESTS = sorted(p for p in (ROOT / "tests" / "unit").glob("test_spec_*.py") if p.name != Path(__file__).name)


def _literal_parts(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str)]
    return []


def rule_messages() -> list[tuple[int, str]]:
    """(line, longest literal part) of every ValueError the model raises with a message."""
    found = []
    for node in ast.walk(ast.parse(MODEL.read_text())):
        if (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and isinstance(node.exc.func, ast.Name)
            and node.exc.func.id == "ValueError"
            and node.exc.args
        ):
            parts = _literal_parts(node.exc.args[0])
            if parts:
                found.append((node.lineno, max(parts, key=len).strip()))
    return found


def expected_texts() -> list[str]:
    texts = []
    for path in SPEC_TESTS:
        for node in ast.walk(ast.parse(path.read_text())):
            texts.extend(_literal_parts(node) if isinstance(node, ast.Constant | ast.JoinedStr) else [])
    return texts


def test_the_model_has_rules_to_check():
    # Guards the test below against a parse that finds nothing (and so checks nothing).
    assert len(rule_messages()) >= 40
    assert SPEC_TESTS


def test_every_rule_message_is_expected_by_a_spec_test():
    texts = expected_texts()
    untested = [f"model.py:{line}: {part!r}" for line, part in rule_messages() if not any(part in t for t in texts)]
    assert untested == [], "rules no spec test expects:\n" + "\n".join(untested)
