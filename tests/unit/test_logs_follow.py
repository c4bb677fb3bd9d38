"""`qvctl logs -f`: appended lines come out as records, across a rotation, filtered; waits are
deadlines on what was printed, never fixed sleeps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qvctl.logs import history, sources
from qvctl.logs.follow import Follower, follow
from qvctl.logs.query import Query
from qvctl.logs.record import Level, Record
from qvctl.platform.paths import EnvPaths

ROOT = Path(__file__).resolve().parents[2]
FIRST = ('{"ts": "2026-11-29T21:45:47.174+00:00", "level": "info", "logger": "uvicorn.error", '
         '"message": "Started server process [12152]", "request_id": null}')


def _api_line(second: int, message: str, level: str = "info") -> str:
    return (f'{{"ts": "2026-11-29T21:50:{second:02d}.000+00:00", "level": "{level}", "logger": "quantumvest_api.app", '
            f'"message": "{message}", "request_id": null}}')


class Following:
    """A follower running in a thread over an environment's sources, collecting what it emits."""

    def __init__(self, paths: EnvPaths, query: Query) -> None:
        chosen = sources.discover(paths)
        positions = {}
        for source in chosen:
            positions.update(history.read_source(source, query, 0)[1])
        self.records: list[Record] = []
        self.stop = threading.Event()
        follower = Follower(chosen, positions, lambda: sources.discover(paths))
        self.thread = threading.Thread(target=follow, args=(follower, query, self.records.append, self.stop))
        self.thread.start()

    def wait_for(self, done: Callable[[list[Record]], bool], seconds: float = 10) -> list[Record]:
        deadline = time.monotonic() + seconds
        while not done(self.records):
            if time.monotonic() > deadline:
                raise AssertionError(f"not seen within {seconds}s; got {[r.lines for r in self.records]}")
            time.sleep(0.02)
        return list(self.records)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def api_log(tmp_path: Path) -> tuple[EnvPaths, Path]:
    paths = EnvPaths(env="local", root=ROOT, state=tmp_path / "local")
    log = paths.host_log("app1", "api")
    log.parent.mkdir(parents=True)
    log.write_text(FIRST + "\n")
    return paths, log


@pytest.fixture
def following(api_log: tuple[EnvPaths, Path]) -> Iterator[Callable[[Query], Following]]:
    started: list[Following] = []

    def start(query: Query = Query()) -> Following:
        started.append(Following(api_log[0], query))
        return started[-1]

    yield start
    for one in started:
        one.close()


def _append(log: Path, *lines: str) -> None:
    with log.open("a") as out:
        out.write("".join(line + "\n" for line in lines))


def test_follow_prints_appended_records_and_nothing_older(api_log: tuple[EnvPaths, Path],
                                                         following: Callable[[Query], Following]) -> None:
    _, log = api_log
    run = following(Query())
    _append(log, _api_line(1, "first new"), _api_line(2, "second new"))
    seen = run.wait_for(lambda r: len(r) == 2)
    assert [r.label for r in seen] == ["app1/api", "app1/api"]
    assert ["first new" in r.text for r in seen] == [True, False] and "Started server" not in seen[0].text


def test_follow_keeps_the_lines_of_a_record_together(api_log: tuple[EnvPaths, Path],
                                                     following: Callable[[Query], Following]) -> None:
    _, log = api_log
    run = following(Query())
    _append(log, _api_line(3, "crashed", "error"), "Traceback (most recent call last):")
    _append(log, '  File "app.py", line 1, in <module>', "ValueError: boom")
    (record,) = run.wait_for(lambda r: len(r) == 1)  # the quiet file ends the record
    assert len(record.lines) == 4 and record.lines[-1] == "ValueError: boom"


def test_follow_goes_on_in_the_new_file_after_a_rotation(api_log: tuple[EnvPaths, Path],
                                                         following: Callable[[Query], Following]) -> None:
    """supervisord renames api.log to api.log.1 and opens a new api.log."""
    _, log = api_log
    run = following(Query())
    _append(log, _api_line(4, "before the rotation"))
    run.wait_for(lambda r: len(r) == 1)
    with log.open("a") as old:
        log.rename(log.with_name("api.log.1"))
        old.write(_api_line(5, "last line of the old file") + "\n")
    log.write_text(_api_line(6, "first line of the new file") + "\n")
    seen = run.wait_for(lambda r: len(r) == 3)
    assert "last line of the old file" in seen[1].text and "first line of the new file" in seen[2].text


def test_follow_applies_the_filters_to_new_records(api_log: tuple[EnvPaths, Path],
                                                   following: Callable[[Query], Following]) -> None:
    _, log = api_log
    run = following(Query(level=Level.error))
    _append(log, _api_line(7, "fine"), _api_line(8, "broken", "error"), _api_line(9, "fine again"),
            _api_line(10, "the last one", "critical"))
    seen = run.wait_for(lambda r: any("the last one" in x.text for x in r))
    assert [r.level for r in seen] == [Level.error, Level.critical] and "broken" in seen[0].text


def test_follow_finds_a_file_that_appears_later(api_log: tuple[EnvPaths, Path],
                                                following: Callable[[Query], Following]) -> None:
    paths, _ = api_log
    run = following(Query())
    other = paths.host_log("app2", "api")
    other.parent.mkdir(parents=True)
    other.write_text(_api_line(10, "app2 started") + "\n")
    (record,) = run.wait_for(lambda r: len(r) == 1)
    assert record.label == "app2/api" and "app2 started" in record.text
