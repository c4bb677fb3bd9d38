"""Restore and verify decisions that need no server: the target time, the backup before it, the
Patroni bootstrap configuration, the scratch copy's pgBackRest configuration, the comparison, and
the CLI refusing what it must refuse before it touches anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from qvctl.backup import compare, restore
from qvctl.backup.pgbackrest import parse_info
from qvctl.backup.scratch import derive_config
from qvctl.context import QvError
from qvctl.exit_status import ExitStatus

from ..conftest import run_qvctl
from .test_backup_pgbackrest import INFO, STANZA


def test_a_time_without_offset_is_utc_and_any_offset_is_converted() -> None:
    assert restore.parse_time("2026-01-31T14:05:00") == datetime(2026, 1, 31, 14, 5, tzinfo=UTC)
    assert restore.parse_time("2026-01-31T15:05:00+01:00") == datetime(2026, 1, 31, 14, 5, tzinfo=UTC)
    assert restore.parse_time("2026-01-31 14:05:00.25Z").microsecond == 250000
    with pytest.raises(QvError) as caught:
        restore.parse_time("yesterday")
    assert caught.value.status is ExitStatus.INVALID_INPUT


def test_pgbackrest_gets_utc_with_an_explicit_offset() -> None:
    moment = datetime(2026, 1, 31, 15, 5, 0, 123456, tzinfo=UTC) + timedelta()
    assert restore.pgbackrest_target(moment) == "2026-01-31 15:05:00.123456+00"


def test_the_backup_before_t_is_the_newest_that_ended_before_it() -> None:
    backups = parse_info(INFO, STANZA).backups
    between = backups[0].stop + (backups[1].stop - backups[0].stop) / 2
    assert restore.backup_before(backups, between).label == backups[0].label
    assert restore.backup_before(backups, backups[1].stop + timedelta(seconds=1)).label == backups[1].label
    with pytest.raises(QvError, match="no backup ended before"):
        restore.backup_before(backups, backups[0].stop - timedelta(seconds=1))


def test_the_bootstrap_method_is_patronis_custom_bootstrap_with_pgbackrests_recovery_settings() -> None:
    original = "scope: s\nbootstrap:\n  dcs:\n    ttl: 10\n  initdb:\n  - encoding: UTF8\npostgresql:\n  listen: x\n"
    config = yaml.safe_load(restore.bootstrap_config(original, "pgbackrest restore"))
    assert config["bootstrap"]["method"] == restore.BOOTSTRAP_METHOD
    assert config["bootstrap"][restore.BOOTSTRAP_METHOD] == {
        "command": "pgbackrest restore", "no_params": True, "keep_existing_recovery_conf": True}
    assert config["bootstrap"]["dcs"] == {"ttl": 10} and config["postgresql"] == {"listen": "x"}


HOST_CONFIG = """[global]
repo1-type=s3
repo1-s3-bucket=b
repo1-cipher-pass=secret
archive-async=y
spool-path=/h/db1/data/pgbackrest/spool
lock-path=/h/db1/run/pgbackrest
log-path=/h/db1/log/pgbackrest
tls-server-address=127.0.1.1
tls-server-auth=127.0.1.2=st

[st]
pg1-path=/h/db1/data/postgresql/15
pg2-host=127.0.1.2
"""


def test_the_scratch_copy_keeps_the_repository_and_nothing_of_the_hosts_paths() -> None:
    text = derive_config(HOST_CONFIG, "st", Path("/s/verify"), Path("/s/verify/data"))
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == ["[global]", "repo1-type=s3", "repo1-s3-bucket=b", "repo1-cipher-pass=secret",
                     "spool-path=/s/verify/spool", "lock-path=/s/verify/lock", "log-path=/s/verify/log",
                     "archive-async=n", "[st]", "pg1-path=/s/verify/data"]


def test_differences_name_the_table_and_what_differs() -> None:
    source = {"public.a": compare.TableSum(3, "x"), "public.b": compare.TableSum(2, "y"),
              "public.c": compare.TableSum(1, "z")}
    copy = {"public.a": compare.TableSum(3, "x"), "public.b": compare.TableSum(1, "w"),
            "public.c": compare.TableSum(1, "q"), "public.d": compare.TableSum(0, "e")}
    assert [d.describe() for d in compare.differences(source, copy)] == [
        "public.b: 2 rows in the cluster, 1 in the restored copy",
        "public.c: same 1 rows, different content (checksum)",
        "public.d: in the restored copy only"]
    assert compare.differences(source, dict(source)) == []


@pytest.mark.parametrize(("args", "message"), [
    (["restore", "local"], "--to-time is required"),
    (["restore", "local", "--to-time", "2026-01-01T00:00:00Z", "--target", "elsewhere"],
     "--target must be scratch or in-place"),
    (["restore", "local", "--to-time", "2026-01-01T00:00:00Z", "--target", "in-place"],
     "confirm on a terminal, or pass --yes"),
    (["backup", "run", "local", "--type", "weekly"], "--type must be full, diff or incr"),
    (["backup", "schedule", "local", "--every", "5", "--type", "weekly"], "--type must be full, diff or incr"),
    (["backup", "list", "prod"], "prod is a cloud environment"),
])
def test_the_cli_refuses_before_touching_anything(args: list[str], message: str) -> None:
    done = run_qvctl(*args)
    assert done.returncode == ExitStatus.INVALID_INPUT, done.stdout + done.stderr
    assert message in " ".join(done.stderr.split())
    assert done.stderr.count("error:") == 1 and "Traceback" not in done.stderr


def test_the_schedule_shows_the_specs_next_backups() -> None:
    done = run_qvctl("backup", "schedule", "local", "--show", "30")
    assert done.returncode == 0, done.stderr
    assert "full" in done.stdout and "incr" in done.stdout
