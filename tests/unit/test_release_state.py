"""The releases' state under `<state>/releases/`: what is saved comes back, history only grows, a
damaged file is named, and requests from another shell are taken once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qvctl.context import QvError
from qvctl.platform.paths import EnvPaths
from qvctl.release.requests import Requests
from qvctl.release.state import WORKSPACE, Build, Measurement, ReleaseState, Rollout, StepRecord, Store
from tests.conftest import ROOT

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _store(tmp_path: Path) -> Store:
    return Store(EnvPaths(env="local", root=ROOT, state=tmp_path))


def _rollout(rollout_id: str = "r1", **changes: object) -> Rollout:
    base = Rollout(id=rollout_id, version="v2", commit=COMMIT, strategy="canary", started="2025-01-01T00:00:00.000Z",
                   started_by="tester@host", pid=4242, previous=WORKSPACE)
    return base.model_copy(update=changes)


def test_a_missing_state_is_the_workspace_with_no_rollout(tmp_path: Path) -> None:
    state = _store(tmp_path).load()
    assert state == ReleaseState()
    assert state.stable == Build(version=WORKSPACE)
    assert (state.candidate, state.candidate_weight, state.rollout) == (None, 0, None)


def test_saved_state_loads_back_equal(tmp_path: Path) -> None:
    store = _store(tmp_path)
    measurement = Measurement(at="2025-01-01T00:00:05.000Z", weight=25, window_seconds=15, requests=40,
                              success_rate=1.0, p99_latency_ms=12.5, verdict="pass", reason="ok")
    rollout = _rollout(phase="progressing", step=1,
                       steps=[StepRecord(weight=25, started="2025-01-01T00:00:00.000Z", measurements=[measurement])])
    state = ReleaseState(stable=Build(version=WORKSPACE), candidate=Build(version="v2", commit=COMMIT, venv="/v"),
                         candidate_weight=25, rollout=rollout)
    store.save(state)
    assert store.state_file == tmp_path / "releases" / "state.json"
    assert store.load() == state
    assert [p.name for p in store.dir.iterdir()] == ["state.json"]  # no temporary file left behind


def test_history_appends_every_finished_rollout_in_order(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.history() == []
    first = _rollout("r1", outcome="aborted", reason="failed")
    second = _rollout("r2", outcome="promoted", reason="passed")
    store.record(first)
    store.record(second)
    assert store.history() == [first, second]
    assert [row["id"] for row in json.loads(store.history_file.read_text())] == ["r1", "r2"]


@pytest.mark.parametrize("text", ["{not json", '{"stable": {"version": 1}}', '{"colour": "blue"}'])
def test_a_damaged_state_file_is_a_qverror_naming_it(tmp_path: Path, text: str) -> None:
    store = _store(tmp_path)
    store.state_file.parent.mkdir(parents=True)
    store.state_file.write_text(text)
    with pytest.raises(QvError) as caught:
        store.load()
    assert str(store.state_file) in caught.value.message
    assert "not a release state qvctl wrote" in caught.value.message
    assert "\n" not in caught.value.message


def test_a_damaged_history_file_is_a_qverror_naming_it(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.history_file.parent.mkdir(parents=True)
    store.history_file.write_text("[{")
    with pytest.raises(QvError) as caught:
        store.record(_rollout())
    assert str(store.history_file) in caught.value.message
    assert store.history_file.read_text() == "[{"  # not overwritten: the history is not lost


def test_build_label_names_the_ref_and_its_commit() -> None:
    assert Build(version=WORKSPACE).label == "workspace"
    assert Build(version="v2", commit=COMMIT).label == "v2@0123456789ab"
    assert Build(version="main", commit=COMMIT, venv="/builds/x/venv").binary() == "/builds/x/venv/bin/qv-api"
    assert Build(version=WORKSPACE).binary() is None


def test_write_routing_says_whether_the_file_changed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert store.write_routing("a.conf", "one\n") is True
    assert store.write_routing("a.conf", "one\n") is False
    assert store.write_routing("a.conf", "two\n") is True
    assert (store.routing / "a.conf").read_text() == "two\n"


# -- requests --------------------------------------------------------------------------------

def test_a_request_is_taken_once(tmp_path: Path) -> None:
    requests = Requests(_store(tmp_path))
    assert requests.take() is None
    put = requests.put("rollback")
    assert requests.pending()
    taken = requests.take()
    assert taken == put
    assert (taken.action, "@" in taken.by) == ("rollback", True)
    assert not requests.file.exists()
    assert requests.take() is None


def test_the_last_request_wins(tmp_path: Path) -> None:
    requests = Requests(_store(tmp_path))
    requests.put("promote")
    requests.put("abort")
    taken = requests.take()
    assert taken is not None and taken.action == "abort"


def test_an_unknown_action_is_ignored_and_removed(tmp_path: Path) -> None:
    requests = Requests(_store(tmp_path))
    requests.file.parent.mkdir(parents=True)
    requests.file.write_text(json.dumps({"action": "explode", "by": "x", "at": "now"}))
    assert requests.take() is None
    assert not requests.pending()


def test_clear_removes_a_pending_request_and_tolerates_none(tmp_path: Path) -> None:
    requests = Requests(_store(tmp_path))
    requests.clear()
    requests.put("abort")
    requests.clear()
    assert requests.take() is None


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'"abort"', b"null", b"\xff\xfe"])
def test_a_file_that_is_no_request_is_ignored_and_removed(tmp_path: Path, content: bytes) -> None:
    """The driver reads the file several times a second mid-rollout: whatever is in it must not stop it."""
    requests = Requests(_store(tmp_path))
    requests.file.parent.mkdir(parents=True)
    requests.file.write_bytes(content)
    assert requests.take() is None
    assert not requests.pending()
