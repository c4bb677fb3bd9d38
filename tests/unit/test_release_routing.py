"""Where a release's requests go: nginx weights and server lines, Prometheus targets, and `apply`
writing both files and reloading nginx only when its servers changed."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from qvctl.platform import supervisor
from qvctl.platform.components import local_hosts
from qvctl.platform.paths import EnvPaths
from qvctl.release import routing
from qvctl.release.state import WORKSPACE, Build, ReleaseState, Store
from qvctl.spec import Environment, load_environment, spec_path
from qvctl.spec.loader import parse_environment
from tests.conftest import ROOT

LOCAL = load_environment(spec_path(ROOT, "local"), ROOT)
NEW = Build(version="v2", commit="0123456789abcdef0123456789abcdef01234567")
SERVER = re.compile(r"^server (?P<address>[0-9.]+):(?P<port>\d+) weight=(?P<weight>\d+) "
                    r"max_fails=(?P<max_fails>\d+) fail_timeout=(?P<fail_timeout>\w+);  # (?P<track>\w+) ")


def _with_app_hosts(count: int) -> Environment:
    spec = copy.deepcopy(yaml.safe_load(spec_path(ROOT, "local").read_text()))
    spec["hosts"]["app"] = {"count": count, "addresses": [f"127.0.3.{i}" for i in range(1, count + 1)]}
    return parse_environment(yaml.safe_dump(spec), "environments/local.yaml", ROOT)


def _state(weight: int) -> ReleaseState:
    return ReleaseState(candidate=NEW, candidate_weight=weight)


def _servers(spec: Environment, state: ReleaseState) -> list[dict[str, str]]:
    lines = routing.servers_conf(spec, state).splitlines()
    assert lines[0].startswith("# Written by qvctl")
    matches = [SERVER.match(line) for line in lines[1:]]
    assert matches and all(matches), lines
    return [m.groupdict() for m in matches if m]


@pytest.mark.parametrize("hosts", [1, 2, 3, 5])
@pytest.mark.parametrize("weight", [25, 50, 100])
def test_candidate_gets_exactly_its_weight_of_the_total(hosts: int, weight: int) -> None:
    spec = _with_app_hosts(hosts)
    weights = routing.weights(spec, _state(weight))
    candidate = sum(w for i, w in weights.items() if i.track == "candidate")
    total = sum(weights.values())
    # Exact integer arithmetic: candidate / total == weight / 100.
    assert candidate * 100 == weight * total
    assert weights and all(w >= 1 for w in weights.values())
    assert len([i for i in weights if i.track == "candidate"]) == hosts


def test_weights_in_the_servers_file_are_the_ones_computed() -> None:
    servers = _servers(LOCAL, _state(25))
    candidate = sum(int(s["weight"]) for s in servers if s["track"] == "candidate")
    assert candidate * 100 == 25 * sum(int(s["weight"]) for s in servers)


def test_weight_zero_leaves_the_candidate_out_of_nginx() -> None:
    for state in (_state(0), ReleaseState()):
        servers = _servers(LOCAL, state)
        assert {s["track"] for s in servers} == {"stable"}
        assert {s["port"] for s in servers} == {str(LOCAL.application.port)}


def test_weight_100_leaves_the_stable_instances_out_of_nginx() -> None:
    servers = _servers(LOCAL, _state(100))
    assert {s["track"] for s in servers} == {"candidate"}
    assert {s["port"] for s in servers} == {str(LOCAL.application.candidate_port)}


def test_server_lines_name_each_app_host_on_its_track_port_with_failure_settings() -> None:
    app = [h.address for h in local_hosts(LOCAL) if h.group == "app"]
    servers = _servers(LOCAL, _state(50))
    assert sorted((s["address"], s["port"], s["track"]) for s in servers) == sorted(
        [(a, str(LOCAL.application.port), "stable") for a in app]
        + [(a, str(LOCAL.application.candidate_port), "candidate") for a in app])
    assert {(s["max_fails"], s["fail_timeout"]) for s in servers} == {
        (str(routing.MAX_FAILS), routing.FAIL_TIMEOUT)}


def test_targets_label_every_instance_with_version_track_host_and_region() -> None:
    groups = json.loads(routing.targets_json(LOCAL, _state(25)))
    app = {h.name: h.address for h in local_hosts(LOCAL) if h.group == "app"}
    expected = [
        {"targets": [f"{address}:{port}"],
         "labels": {"instance_host": host, "region_role": "primary", "version": build.label, "track": track}}
        for track, build, port in (("stable", Build(version=WORKSPACE), LOCAL.application.port),
                                   ("candidate", NEW, LOCAL.application.candidate_port))
        for host, address in app.items()
    ]
    assert groups == expected
    assert NEW.label == "v2@0123456789ab"


def test_targets_keep_both_tracks_while_the_candidate_runs_at_either_end() -> None:
    # Prometheus keeps scraping an instance nginx no longer sends requests to.
    for weight in (0, 100):
        tracks = {g["labels"]["track"] for g in json.loads(routing.targets_json(LOCAL, _state(weight)))}
        assert tracks == {"stable", "candidate"}


class FakeSupervisor:
    def __init__(self) -> None:
        self.signals: list[tuple[str, str]] = []

    def signal_process(self, name: str, signal: str) -> None:
        self.signals.append((name, signal))


@pytest.fixture
def fake_supervisor(monkeypatch: pytest.MonkeyPatch) -> FakeSupervisor:
    fake = FakeSupervisor()
    monkeypatch.setattr(supervisor, "rpc", lambda paths, timeout=10.0: fake)
    return fake


def test_apply_writes_both_files_and_hups_nginx_only_when_servers_change(
        tmp_path: Path, fake_supervisor: FakeSupervisor) -> None:
    store = Store(EnvPaths(env="local", root=ROOT, state=tmp_path))
    edge = next(h.name for h in local_hosts(LOCAL) if h.group == "edge")

    routing.apply(store, LOCAL, _state(25))
    assert fake_supervisor.signals == [(f"nginx-{edge}", "HUP")]
    assert (store.routing / routing.SERVERS_FILE).read_text() == routing.servers_conf(LOCAL, _state(25))
    assert (store.routing / routing.TARGETS_FILE).read_text() == routing.targets_json(LOCAL, _state(25))
    assert store.load() == _state(25)

    routing.apply(store, LOCAL, _state(25))  # nothing changed: no reload
    assert len(fake_supervisor.signals) == 1

    routing.apply(store, LOCAL, _state(50))
    assert len(fake_supervisor.signals) == 2

    # Only the targets file is (re)written: nginx's servers are the same, so no reload.
    (store.routing / routing.TARGETS_FILE).unlink()
    routing.apply(store, LOCAL, _state(50))
    assert len(fake_supervisor.signals) == 2
    assert (store.routing / routing.TARGETS_FILE).read_text() == routing.targets_json(LOCAL, _state(50))


def test_apply_replaces_the_files_atomically(tmp_path: Path, fake_supervisor: FakeSupervisor,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file is written aside and renamed over the old one: a reader sees old or new, never half."""
    store = Store(EnvPaths(env="local", root=ROOT, state=tmp_path))
    routing.apply(store, LOCAL, ReleaseState())
    replaced: list[tuple[str, str]] = []
    original = os.replace

    def recording(src: str | Path, dst: str | Path) -> None:
        replaced.append((Path(src).name, Path(dst).name))
        assert Path(dst).read_text() != "", "the old file is whole until the rename"
        original(src, dst)

    monkeypatch.setattr(os, "replace", recording)
    routing.apply(store, LOCAL, _state(50))
    names = {dst for _, dst in replaced}
    assert {routing.SERVERS_FILE, routing.TARGETS_FILE} <= names
    assert all(src != dst and src.endswith(".tmp") for src, dst in replaced)
    assert sorted(p.name for p in store.routing.iterdir()) == sorted([routing.SERVERS_FILE, routing.TARGETS_FILE])
