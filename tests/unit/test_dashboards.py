"""The dashboards' JSON: deterministic, one data source variable everywhere, stable uids, only the
panel kinds the snapshot draws, a grid without overlaps, SLO objectives a person can change."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qvctl.monitoring.dashboards import DASHBOARDS, OUTPUT_DIR, render_files, slo
from qvctl.monitoring.dashboards.panels import custom_variable, to_json
from tests.conftest import ROOT

BOARDS = {file.removesuffix(".json"): json.loads(text) for file, text in render_files().items()}


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


def _variables(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in board["templating"]["list"]}


def test_rendering_twice_gives_the_same_bytes() -> None:
    assert render_files() == render_files()


def test_the_committed_json_is_a_fresh_render() -> None:
    committed = {p.name: p.read_text() for p in (ROOT / OUTPUT_DIR).glob("*.json")}
    assert committed == render_files()


def test_uids_are_stable_and_unique() -> None:
    uids = [board["uid"] for board in BOARDS.values()]
    assert uids == [f"qv-{name}" for name, _ in DASHBOARDS]


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_every_query_reads_the_data_source_variable(name: str) -> None:
    board = BOARDS[name]
    variable = _variables(board)["datasource"]
    assert variable["type"] == "datasource" and variable["query"] == "prometheus"
    for panel in _panels(board):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], f"{panel['title']}: no query"
        for target in panel["targets"]:
            assert target["datasource"] == panel["datasource"], panel["title"]
            assert target["expr"].strip(), panel["title"]


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_only_the_panel_kinds_the_snapshot_draws(name: str) -> None:
    assert {p["type"] for p in BOARDS[name]["panels"]} <= {"row", "timeseries", "stat"}


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_panels_have_unique_ids_and_do_not_overlap(name: str) -> None:
    panels = BOARDS[name]["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    taken: set[tuple[int, int]] = set()
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        cells = {(pos["x"] + dx, pos["y"] + dy) for dx in range(pos["w"]) for dy in range(pos["h"])}
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


def test_slo_objectives_are_variables_defaulting_to_the_objectives() -> None:
    variables = _variables(BOARDS["slo"])
    objectives = slo.DEFAULT_OBJECTIVES
    assert variables["availability_objective"]["current"]["value"] == str(objectives.availability)
    assert variables["latency_objective"]["current"]["value"] == str(objectives.latency)
    assert variables["latency_threshold"]["current"]["value"] == slo.le_label(objectives.latency_threshold_seconds)
    exprs = "\n".join(t["expr"] for p in _panels(BOARDS["slo"]) for t in p["targets"])
    for name in ("availability_objective", "latency_objective", "latency_threshold"):
        assert f"${name}" in exprs


def test_another_objective_is_rendered_into_the_defaults() -> None:
    board = json.loads(to_json(slo.build(slo.Objectives(0.995, 0.95, 1.0))))
    variables = {v["name"]: v["current"]["value"] for v in board["templating"]["list"]}
    assert variables["availability_objective"] == "0.995"
    assert variables["latency_threshold"] == "1.0"


def test_every_latency_threshold_choice_is_a_bucket_of_the_api_histogram() -> None:
    from quantumvest_api.metrics import HTTP_LATENCY

    buckets = {slo.le_label(b) for b in HTTP_LATENCY._upper_bounds}
    choices = {o["value"] for o in _variables(BOARDS["slo"])["latency_threshold"]["options"]}
    assert choices <= buckets, choices - buckets


def test_a_default_outside_the_choices_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        custom_variable("objective", "Objective", ["0.99", "0.999"], "0.9")
