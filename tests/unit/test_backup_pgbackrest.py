"""pgBackRest's output read as it really prints it (fixtures captured from pgBackRest 2.45 on the
local platform): `info --output=json`, its error lines, `verify` with a damaged repository."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qvctl.backup import repository
from qvctl.backup.pgbackrest import LOCK_ERROR, PgBackRest, error_message, parse_info
from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus

FIXTURES = Path(__file__).parent / "fixtures"
INFO = json.loads((FIXTURES / "pgbackrest_info.json").read_text())
STANZA = "quantumvest-local-b"


def test_info_gives_each_backup_with_its_sizes_wal_range_and_times() -> None:
    info = parse_info(INFO, STANZA)
    assert info.status == "ok"
    assert [b.type for b in info.backups] == ["full", "incr"]
    full = info.backups[0]
    assert full.label == "20261129-162850F"
    assert (full.database_size, full.repository_size) == (30789526, 3797664)
    assert (full.wal_start, full.wal_stop) == ("000000010000000000000008", "000000010000000000000008")
    assert full.stop == datetime.fromtimestamp(1795969733, UTC)
    assert full.age_seconds(datetime.fromtimestamp(1795969733 + 90, UTC)) == 90
    assert info.latest is not None and info.latest.prior == full.label
    assert (info.wal_min, info.wal_max) == ("000000010000000000000001", "000000020000000000000014")


def test_json_for_machines_carries_the_age() -> None:
    full = parse_info(INFO, STANZA).backups[0]
    data = full.as_dict(datetime.fromtimestamp(1795969733 + 61, UTC))
    assert data["age_seconds"] == 61 and data["duration_seconds"] == 3.0 and data["label"] == full.label


def test_an_unknown_stanza_names_the_ones_there() -> None:
    with pytest.raises(QvError, match="no stanza quantumvest-prod \\(stanzas: quantumvest-local-b\\)"):
        parse_info(INFO, "quantumvest-prod")


def test_an_empty_stanza_has_no_latest_backup() -> None:
    empty = [{"name": STANZA, "status": {"code": 2, "message": "no valid backups"}, "backup": [], "archive": []}]
    info = parse_info(empty, STANZA)
    assert info.latest is None and info.status == "no valid backups"


def test_the_error_line_with_its_continuation_is_the_message() -> None:
    output = ("2026-11-29 16:29:17.303 P00   INFO: backup command begin 2.45: --stanza=x\n"
              "ERROR: [056]: unable to find primary cluster - cannot proceed\n"
              "       HINT: are all available clusters in recovery?\n"
              "2026-11-29 16:29:18.000 P00   INFO: backup command end: aborted with exception [056]\n")
    assert error_message(output, 56) == ("[056] unable to find primary cluster - cannot proceed "
                                         "HINT: are all available clusters in recovery?")
    assert error_message("something odd\n", 3) == "exit code 3: something odd"


def test_a_held_lock_is_exit_status_locked(tmp_path: Path) -> None:
    fake = tmp_path / "pgbackrest"
    fake.write_text("#!/bin/sh\necho 'ERROR: [050]: unable to acquire lock on file' >&2\nexit 50\n")
    fake.chmod(0o755)
    runuser = tmp_path / "runuser"  # runs the command without changing user
    runuser.write_text('#!/bin/sh\nshift 3\nexec "$@"\n')
    runuser.chmod(0o755)
    ctx = Context(root=tmp_path, environ={"PATH": str(tmp_path)})
    with pytest.raises(QvError) as caught:
        PgBackRest(ctx, tmp_path / "pgbackrest.conf", STANZA, "db2").run("backup", "--type=incr")
    assert caught.value.status is ExitStatus.LOCKED and LOCK_ERROR == 50
    assert caught.value.message == "pgbackrest backup on db2 failed: [050] unable to acquire lock on file"


def test_argv_runs_as_postgres_with_the_hosts_configuration(tmp_path: Path) -> None:
    ctx = Context(root=tmp_path, environ={"PATH": "/usr/bin:/bin:/usr/sbin"})
    argv = PgBackRest(ctx, Path("/h/db1/etc/pgbackrest/pgbackrest.conf"), STANZA, "db1").argv(
        "repo-get", "--log-level-console=warn", arguments=["backup/x/backup.manifest"])
    assert argv[1:4] == ["-u", "postgres", "--"]
    assert argv[5:] == ["--config=/h/db1/etc/pgbackrest/pgbackrest.conf", f"--stanza={STANZA}",
                        "--log-level-console=warn", "repo-get", "backup/x/backup.manifest"]


# --- verify ---------------------------------------------------------------------------------------

VERIFY = (FIXTURES / "pgbackrest_verify_damaged.txt").read_text()
MANIFEST = (FIXTURES / "manifest_excerpt.txt").read_text()


def test_verify_output_gives_the_damaged_files_and_the_wal_ranges() -> None:
    found = repository.parse_verify(VERIFY)
    assert found.status == "error"
    assert {(p.what, p.path) for p in found.problems} == {
        ("invalid checksum", "20261129-162850F/pg_data/global/4178.zst"),
        ("invalid checksum", "20261129-162850F/pg_data/global/4182.zst")}
    assert found.ranges["15-1"][:2] == [("000000010000000000000001", "000000010000000000000007"),
                                        ("000000010000000000000009", "00000001000000000000000D")]


def test_a_hole_in_the_archive_after_a_backup_is_missing_wal() -> None:
    found = repository.parse_verify(VERIFY)
    backups = parse_info(INFO, STANZA).backups
    assert repository.wal_holes(found.ranges, backups) == [("15-1", "000000010000000000000008")]


def test_a_hole_before_every_backup_is_not_needed() -> None:
    backups = parse_info(INFO, STANZA).backups
    ranges = {"15-1": [("000000010000000000000001", "000000010000000000000002"),
                       ("000000010000000000000005", "000000010000000000000009")]}
    assert repository.wal_holes(ranges, backups) == []


def test_segment_arithmetic_crosses_a_log_file() -> None:
    assert repository.segment_name(1, repository.segment_number("0000000100000000000000FF")[1] + 1) == \
        "000000010000000100000000"


def test_each_problem_is_named_by_the_bucket_object_that_holds_it() -> None:
    found = repository.parse_verify(VERIFY)
    lines = repository.describe(found.problems, {"20261129-162850F": MANIFEST}, [("15-1", "000000010000000000000008")],
                                "s3://bucket/pgbackrest/backup/st", "s3://bucket/pgbackrest/archive/st")
    assert lines == [
        "s3://bucket/pgbackrest/backup/st/20261129-162850F/bundle/2: invalid checksum "
        "(pg_data/global/4178, pg_data/global/4182)",
        "s3://bucket/pgbackrest/archive/st/15-1/0000000100000000/000000010000000000000008: missing from the WAL "
        "archive (a restore from the backups before it needs it)"]


def test_a_file_outside_a_bundle_or_in_a_prior_backup_is_its_own_object() -> None:
    manifest = ('[target:file]\npg_data/big={"size":1}\n'
                'pg_data/old={"bni":4,"reference":"20260101-000000F"}\n')
    problems = [repository.Problem("file missing", "20261129-162850F/pg_data/big.zst"),
                repository.Problem("invalid size", "20261129-162850F/pg_data/old.zst")]
    assert repository.describe(problems, {"20261129-162850F": manifest}, [], "B", "A") == [
        "B/20261129-162850F/pg_data/big.zst: file missing (pg_data/big)",
        "B/20260101-000000F/bundle/4: invalid size (pg_data/old)"]
