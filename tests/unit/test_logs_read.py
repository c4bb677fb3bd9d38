"""Reading an environment's logs: every component merged by time, the filters, multi-line records,
the last N, rotated copies. Over a state folder made of the local platform's own lines
(tests/unit/fixtures/logs/local)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qvctl.logs import history, sources
from qvctl.logs.query import Query
from qvctl.logs.record import Level, Record
from qvctl.platform.paths import EnvPaths

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "logs"
REQUEST = "8a7e3d06d9a852254d019f0bb636eb80"  # a POST through nginx to app1, in both their files


@pytest.fixture
def paths(tmp_path: Path) -> EnvPaths:
    shutil.copytree(FIXTURES / "local", tmp_path / "local")
    return EnvPaths(env="local", root=ROOT, state=tmp_path / "local")


def _read(paths: EnvPaths, query: Query = Query(), want: int | None = None, names: list[str] | None = None,
          hosts: list[str] | None = None) -> list[Record]:
    chosen, unknown = sources.select(sources.discover(paths), names or [], hosts or [])
    assert not unknown
    records: list[Record] = []
    for source in chosen:
        records.extend(history.read_source(source, query, want)[0])
    return history.newest(records, want)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_component_is_found_with_its_host(paths: EnvPaths) -> None:
    labels = {s.label for s in sources.discover(paths)}
    assert {"app1/api", "app2/api", "edge1/nginx", "db1/etcd", "db1/patroni", "db1/postgresql", "db1/pgbackrest",
            "cache1/redis", "obs1/prometheus", "controller/emulator", "controller/supervisord",
            "controller/backup-scheduler"} <= labels


def test_components_are_merged_by_time_not_one_after_the_other(paths: EnvPaths) -> None:
    records = _read(paths)
    times = [r.time for r in records if r.time is not None]
    assert times == sorted(times)
    labels = [r.label for r in records]
    # Interleaved: some component appears again after another one's lines (concatenation would not).
    runs = [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]
    assert len(runs) > len(set(runs))
    # The request's nginx line (21:45:48, whole seconds) comes before the API's (21:45:48.388), and
    # the emulator's first request (21:44:21) before etcd's start (21:45:10).
    texts = [r.text for r in records]
    nginx = next(i for i, t in enumerate(texts) if REQUEST in t and '"uri"' in t)
    api = next(i for i, t in enumerate(texts) if REQUEST in t and '"route"' in t)
    emulator = next(i for i, r in enumerate(records) if r.label == "controller/emulator" and "GET /" in r.text)
    etcd = next(i for i, r in enumerate(records) if r.label == "db1/etcd")
    assert nginx < api and emulator < etcd


def test_the_level_filter_keeps_each_formats_warnings_and_worse(paths: EnvPaths) -> None:
    records = _read(paths, Query(level=Level.warning))
    assert records and all(r.level is not None and r.level >= Level.warning for r in records)
    found = {(r.label, r.lines[0].split(" ", 3)[-1][:40]) for r in records}
    text = "\n".join(r.text for r in records)
    for expected in ('"level":"warn"', "WARNING: Watchdog not supported", "ERROR:  replication slot",
                     '"error_severity":"FATAL"', '"error_severity":"WARNING"', "P00  ERROR: [103]",
                     "# WARNING Memory overcommit", "level=error", "CRIT Supervisor", "WARN No file matches",
                     '"status":404'):
        assert expected in text, f"{expected!r} missing among {sorted(found)}"
    for informational in ("Ready to accept connections", "Starting Prometheus Server", "I am db1",
                          "database system is ready", '"status":201', "scheduling backups"):
        assert informational not in text


def test_a_time_range_keeps_only_records_inside_it(paths: EnvPaths) -> None:
    since, until = _utc("2026-11-29 21:45:28.400"), _utc("2026-11-29 21:45:28.600")
    records = _read(paths, Query(since=since, until=until))
    assert records and all(r.time is not None and since <= r.time <= until for r in records)
    texts = [r.text for r in records]
    assert any("starting PostgreSQL 15.18" in t for t in texts)  # 21:45:28.477
    assert not any("initialized a new cluster" in t for t in texts)  # 21:45:28.870


def test_a_request_id_finds_the_nginx_line_and_the_api_line(paths: EnvPaths) -> None:
    records = _read(paths, Query(request_id=REQUEST))
    assert [r.label for r in records] == ["edge1/nginx", "app1/api"]
    assert all(REQUEST in r.text for r in records)
    assert _read(paths, Query(request_id=REQUEST[:-1])) == []  # a prefix is not the id


def test_multi_line_records_stay_with_the_line_that_starts_them(paths: EnvPaths) -> None:
    patroni = _read(paths, names=["db1/patroni"])
    bootstrap = next(r for r in patroni if r.lines[0].endswith("INFO: bootstrap in progress")
                     and len(r.lines) > 1)
    assert any("Success. You can now start the database server" in line for line in bootstrap.lines)
    slot = next(r for r in _read(paths, Query(level=Level.error), names=["drdb1/patroni"]))
    assert len(slot.lines) == 2 and "STATEMENT:  START_REPLICATION" in slot.lines[1]
    archive = [r for r in _read(paths, Query(level=Level.error), names=["pgbackrest"])]
    assert archive and len(archive[0].lines) == 8 and archive[0].lines[-1].lstrip().startswith("HINT: use")


def test_the_last_n_records_of_the_merged_stream(paths: EnvPaths) -> None:
    everything = _read(paths)
    assert _read(paths, want=5) == everything[-5:]
    assert _read(paths, want=0) == []


def test_host_and_component_selection(paths: EnvPaths) -> None:
    found = sources.discover(paths)
    assert {s.label for s in sources.select(found, ["api"], [])[0]} == {"app1/api", "app2/api"}
    assert {s.label for s in sources.select(found, ["app2/api"], [])[0]} == {"app2/api"}
    assert {s.label for s in sources.select(found, [], ["db1"])[0]} == {"db1/etcd", "db1/patroni", "db1/postgresql",
                                                                      "db1/pgbackrest"}
    assert sources.select(found, ["moto"], [])[0][0].label == "controller/emulator"
    assert sources.select(found, ["api", "nope"], [])[1] == ["nope"]


def test_a_window_into_a_large_file_never_shows_half_a_record(paths: EnvPaths,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Three lines a record, 3 MB of them: the windows cut records; only whole ones come out."""
    log = paths.hosts_dir / "db9" / "log" / "patroni.log"
    log.parent.mkdir(parents=True)
    with log.open("w") as out:
        for i in range(30000):
            out.write(f"2026-11-29 21:{i // 600 % 60:02d}:{i // 10 % 60:02d},{i % 10:03d} ERROR: failure {i}\n"
                      "Traceback (most recent call last):\n"
                      f"  ValueError: {i} {'x' * 60}\n")
    last = _read(paths, want=1000, names=["db9/patroni"])
    assert len(last) == 1000 and all(len(r.lines) == 3 for r in last)
    assert last[-1].lines[0].endswith("failure 29999") and last[0].lines[0].endswith("failure 29000")
    # A first window smaller than one record holds only its tail: that is not a record.
    monkeypatch.setattr(history, "FIRST_WINDOW", 100)
    (one,) = _read(paths, want=1, names=["db9/patroni"])
    assert one.lines[0].endswith("failure 29999") and len(one.lines) == 3


def test_rotated_copies_come_before_the_live_file(paths: EnvPaths) -> None:
    live = paths.hosts_dir / "app1" / "log" / "api.log"
    copy = live.with_name("api.log.1")
    lines = live.read_text().splitlines()
    copy.write_text("\n".join(lines[:4]) + "\n")
    live.write_text("\n".join(lines[4:]) + "\n")
    records = _read(paths, names=["app1/api"])
    assert [r.lines[0] for r in records] == lines
    source = sources.select(sources.discover(paths), ["app1/api"], [])[0][0]
    assert source.history == (copy, live) and source.live == (live,)
