"""Each format's parser: where a record starts, its time (UTC) and its level on qvctl's scale.

The lines are the local platform's own (tests/unit/fixtures/logs/, paths shortened), except where
a test says otherwise: PostgreSQL's jsonlog and nginx's millisecond lines come from a PostgreSQL
15.18 and an nginx 1.22 run with the roles' settings, nginx's error line is its documented format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from qvctl.logs import catalog
from qvctl.logs.assemble import Assembler
from qvctl.logs.record import Level, Start

FIXTURES = Path(__file__).parent / "fixtures" / "logs" / "local"


def _line(relative: str, containing: str) -> str:
    return next(line for line in (FIXTURES / relative).read_text().splitlines() if containing in line)


def _start(component: str, line: str, file: str = "") -> Start | None:
    for fmt in catalog.formats_of(component, Path(file)):
        found = fmt.start(line)
        if found is not None:
            return found
    return None


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (component, file, a piece of the line, its level, its time). The machine runs in UTC, so the
# formats without an offset read as UTC here too.
CASES = [
    ("api", "hosts/app1/log/api.log", "Started server process", Level.info, "2026-11-29 21:45:47.174"),
    ("etcd", "hosts/db1/log/etcd.log", "simple token is not", Level.warning, "2026-11-29 21:45:10.290"),
    ("nginx", "hosts/edge1/log/nginx.log", '"status":404', Level.warning, "2026-11-29 21:45:48"),
    ("nginx", "hosts/edge1/log/nginx.log", '"method":"POST"', Level.info, "2026-11-29 21:45:48"),
    ("patroni", "hosts/db1/log/patroni.log", "WARNING: Watchdog", Level.warning, "2026-11-29 21:45:28.659"),
    ("patroni", "hosts/db1/log/patroni.log", "LOG:  starting PostgreSQL", Level.info, "2026-11-29 21:45:28.477"),
    ("patroni", "hosts/drdb1/log/patroni.log", 'ERROR:  replication slot', Level.error,
     "2026-11-29 21:45:33.849"),
    ("postgresql", "hosts/db1/log/postgresql/postgresql-Sun.json", '"FATAL"', Level.critical,
     "2026-11-29 21:54:45.421"),
    ("postgresql", "hosts/db1/log/postgresql/postgresql-Sun.json", "division by zero", Level.error,
     "2026-11-29 21:54:45.407"),
    ("postgresql", "hosts/db1/log/postgresql/postgresql-Sun.json", '"WARNING"', Level.warning,
     "2026-11-29 21:54:47.414"),
    ("pgbackrest", "hosts/db1/log/pgbackrest/quantumvest-local-archive-push-async.log", "P00  ERROR", Level.error,
     "2026-11-29 21:45:28.983"),
    ("redis", "hosts/cache1/log/redis.log", "# Server initialized", Level.warning, "2026-11-29 21:45:41.785"),
    ("redis", "hosts/cache1/log/redis.log", "* Ready to accept", Level.info, "2026-11-29 21:45:41.785"),
    ("redis-exporter", "hosts/cache1/log/redis-exporter.log", "level=error", Level.error, "2026-11-29 21:45:42"),
    ("prometheus", "hosts/obs1/log/prometheus.log", "Starting Prometheus", Level.info, "2026-11-29 21:45:41.159"),
    ("nginx-exporter", "hosts/edge1/log/nginx-exporter.log", "Starting...", Level.info, "2026-11-29 21:45:42"),
    ("supervisord", "supervisor/supervisord.log", "CRIT Supervisor", Level.critical, "2026-11-29 21:44:19.578"),
    ("supervisord", "supervisor/supervisord.log", "WARN No file", Level.warning, "2026-11-29 21:44:19.578"),
    ("emulator", "emulator/emulator.log", '"GET / HTTP/1.1" 200', Level.info, "2026-11-29 21:44:21"),
    ("backup-scheduler", "logs/backup-scheduler.log", "scheduling backups", Level.info, "2026-11-29 21:45:48"),
]


@pytest.mark.parametrize(("component", "relative", "containing", "level", "moment"), CASES,
                         ids=[f"{c[0]}-{c[3].name}" for c in CASES])
def test_each_format_maps_its_level_and_reads_its_time(component: str, relative: str, containing: str,
                                                        level: Level, moment: str) -> None:
    found = _start(component, _line(relative, containing), relative)
    assert found is not None, f"{component}: the line is not recognised as a record"
    assert found.level is level
    assert found.time == _utc(moment)


def test_nginx_lines_with_milliseconds_and_the_request_id() -> None:
    line = ('{"time":"2026-11-29T21:54:37.295+00:00","remote":"unix:","request_id":"given-1","method":"GET",'
            '"uri":"/def","status":200,"bytes":2,"duration":0.000,"upstream":"","upstream_status":""}')
    found = _start("nginx", line)
    assert found is not None and found.time == _utc("2026-11-29 21:54:37.295") and found.request_id == "given-1"


def test_nginx_error_log_lines_in_the_same_file() -> None:
    line = ('2026/11/29 21:46:31 [error] 12236#12236: *57 connect() failed (111: Connection refused) while '
            'connecting to upstream, client: 127.0.0.1, upstream: "http://127.0.3.1:8000/readyz"')
    found = _start("nginx", line)
    assert found is not None and found.level is Level.error and found.time == _utc("2026-11-29 21:46:31")


def test_the_api_request_id_comes_from_its_field() -> None:
    found = _start("api", _line("hosts/app1/log/api.log", '"POST"'))
    assert found is not None and found.request_id == "8a7e3d06d9a852254d019f0bb636eb80"


@pytest.mark.parametrize(("component", "line"), [
    ("patroni", "creating subdirectories ... ok"),
    ("patroni", "       repo1: [FileMissingError] unable to load info file"),
    ("patroni", "2026-11-29 21:45:33.849 UTC [11797] replicator@[unknown] STATEMENT:  START_REPLICATION SLOT"),
    ("pgbackrest", "                                    HINT: has a stanza-create been performed?"),
    ("api", "Traceback (most recent call last):"),
    ("nginx", '{"not": "an access line"}'),
])
def test_continuation_lines_start_no_record(component: str, line: str) -> None:
    assert _start(component, line) is None


def test_pgbackrest_errors_on_postgresqls_stderr_start_a_record_that_inherits_the_time_before() -> None:
    lines = (FIXTURES / "hosts/db1/log/postgresql/postgresql-Sun.log").read_text().splitlines()
    records = list(Assembler("db1/postgresql", catalog.POSTGRES_STDERR).records(lines))
    errors = [r for r in records if r.level is Level.error]
    assert errors and all(len(r.lines) == 2 and r.lines[1].startswith("       repo1:") for r in errors)
    assert all(r.time == _utc("2026-11-29 21:54:44.146") for r in errors)
    assert records[0].lines[1].startswith("2026-11-29 21:54:44.146 UTC [23520] HINT:")


def test_an_unknown_component_gets_one_record_per_line() -> None:
    records = list(Assembler("x/thing", catalog.formats_of("thing")).records(
        ["2026-11-29T21:45:48Z started", "no time here", "2026-11-29T21:45:49Z done"]))
    assert [len(r.lines) for r in records] == [1, 1, 1]
    assert records[1].time == _utc("2026-11-29 21:45:48") and records[1].level is None
