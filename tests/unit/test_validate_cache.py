"""The cache and the order of `qvctl validate`: what a key covers, what an entry holds, what runs first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qvctl.context import Context
from qvctl.validate import Check, run_checks
from qvctl.validation.cache import ResultCache, Stored, cache_key

KEY_A, KEY_B = "a" * 64, "b" * 64


def test_a_new_tool_version_is_a_new_key() -> None:
    inputs = [("a.txt", "0" * 64)]
    assert cache_key("check", {"ruff": "0.6.0"}, inputs) != cache_key("check", {"ruff": "0.6.1"}, inputs)


def test_a_stored_verdict_reads_back_as_it_was_stored(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.put("ruff", KEY_A, Stored(True, "", 1.5))
    cache.put("mypy", KEY_A, Stored(False, "a.py:1: error: x", 2.5))
    assert [cache.get("ruff", KEY_A), cache.get("mypy", KEY_A)] == [
        Stored(True, "", 1.5),
        Stored(False, "a.py:1: error: x", 2.5),
    ]


def test_a_new_verdict_replaces_the_older_entry_of_its_check_only(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.put("ruff", KEY_A, Stored(False, "old", 1.0))
    cache.put("mypy", KEY_A, Stored(True, "", 1.0))
    cache.put("ruff", KEY_B, Stored(True, "", 2.0))
    assert cache.get("ruff", KEY_A) is None
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"mypy-{KEY_A}.json", f"ruff-{KEY_B}.json"]


def test_the_last_duration_is_the_stored_one_and_zero_when_unknown_or_unreadable(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    cache.put("ruff", KEY_A, Stored(True, "", 12.5))
    (tmp_path / f"mypy-{KEY_A}.json").write_text("{not json")
    assert [cache.last_seconds("ruff"), cache.last_seconds("mypy"), cache.last_seconds("never")] == [12.5, 0.0, 0.0]


def _recording(order: list[str], name: str) -> Check:
    def check(ctx: Context) -> list[str]:
        order.append(name)
        return []

    return Check(name, name, ".", ("*.txt",), function=check)


def test_the_check_that_took_longest_last_time_starts_first_and_the_report_keeps_the_given_order(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    ctx = Context(root=tmp_path, environ={"QV_VALIDATE_CACHE": str(tmp_path / "cache")})
    ResultCache(tmp_path / "cache").put("slow", KEY_A, Stored(True, "", 0.5))  # unknown counts as 0 s
    order: list[str] = []
    results = run_checks(ctx, [_recording(order, "fast"), _recording(order, "slow")], workers=1, use_cache=True)
    assert order == ["slow", "fast"]
    assert [r.id for r in results] == ["fast", "slow"]


def test_a_check_known_to_be_slow_starts_first_when_nothing_was_measured(tmp_path: Path) -> None:
    order: list[str] = []
    ctx = Context(root=tmp_path, environ={})
    run_checks(ctx, [_recording(order, "ruff"), _recording(order, "mypy")], workers=1)
    assert order == ["mypy", "ruff"]
    assert not (tmp_path / ".tools").exists(), "without use_cache nothing is stored"


def test_the_cache_lives_beside_the_tool_configuration_unless_qv_validate_cache_names_a_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    order: list[str] = []
    run_checks(Context(root=tmp_path, environ={}), [_recording(order, "ruff")], use_cache=True)
    explicit = tmp_path / "elsewhere"
    run_checks(Context(root=tmp_path, environ={"QV_VALIDATE_CACHE": str(explicit)}), [_recording(order, "ruff")],
               use_cache=True)  # fmt: skip
    (default,) = (tmp_path / ".tools" / "validate-cache").iterdir()
    (named,) = explicit.iterdir()
    assert json.loads(default.read_text())["ok"] is True and named.name == default.name
    assert order == ["ruff", "ruff"], "a new folder holds no verdict yet"


def _first(ctx: Context) -> list[str]:
    return ["a.txt: [first] wrong"]


def _second(ctx: Context) -> list[str]:
    return ["a.txt: [second] wrong"]


class FirstRule:
    def __call__(self, ctx: Context) -> list[str]:
        return ["a.txt: [first-rule] wrong"]


class SecondRule:
    def __call__(self, ctx: Context) -> list[str]:
        return ["a.txt: [second-rule] wrong"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"function": _first}, {"function": _second}),
        ({"function": FirstRule()}, {"function": SecondRule()}),
        ({"command": ("sh", "-c", "echo first; exit 1")}, {"command": ("sh", "-c", "echo second; exit 1")}),
    ],
    ids=["another function", "another callable class", "another command"],
)
def test_a_check_that_does_something_else_on_the_same_inputs_runs_again(
    tmp_path: Path, before: dict[str, Any], after: dict[str, Any]
) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    ctx = Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin"})
    run_checks(ctx, [Check("rule", "rule", ".", ("*.txt",), **before)], use_cache=True)
    (result,) = run_checks(ctx, [Check("rule", "rule", ".", ("*.txt",), **after)], use_cache=True)
    assert not result.cached and "second" in result.detail
