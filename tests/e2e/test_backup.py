"""Backups you can trust, on the live local platform with the real pgBackRest, Patroni and S3 emulator.

Runs first on the session's platform (conftest.py) and leaves it healthy for the modules after it:
the repository is put back after it is damaged, and the in-place restore ends with every member of
both clusters streaming and a full backup of the new timeline. Durations belong to bench/backup.sh.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from qvctl.backup import cluster
from qvctl.backup.operations import Site
from qvctl.backup.scratch import Scratch
from qvctl.backup.supervised import PROGRAM
from qvctl.backup.verify import verify
from qvctl.context import Context, QvError
from qvctl.platform import credentials, emulator, supervisor
from qvctl.platform.steps import StepRunner
from qvctl.spec import require_environment

from .conftest import ENVIRONMENT, SPEC, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(platform: Platform) -> Site:
    ctx = Context(root=platform.checkout, environ=dict(os.environ))
    return Site.of(ctx, require_environment(ctx, ENVIRONMENT))


@pytest.fixture(scope="module", autouse=True)
def scheduler_state(site: Site) -> Iterator[dict[str, str]]:
    """The supervised scheduler as `up` left it; paused meanwhile, so that an hourly backup firing
    during the module cannot take pgBackRest's lock from a test or add a backup the test did not make."""
    found = {p.name: p.state for p in supervisor.processes(site.paths)}
    api = supervisor.rpc(site.paths)
    if found.get(PROGRAM) == "RUNNING":
        api.stop_process(PROGRAM)
    yield found
    api.start_process(PROGRAM)
    supervisor.wait_running(site.paths, PROGRAM, timeout=60)


def backups(platform: Platform) -> list[dict[str, Any]]:
    done = platform.qvctl("backup", "list", ENVIRONMENT, "--output", "json", timeout=120)
    assert done.returncode == 0, done.stderr
    listed: list[dict[str, Any]] = json.loads(done.stdout)["backups"]
    return listed


def portfolio(platform: Platform, name: str) -> str:
    with platform.client() as client:
        created = client.post("/api/v1/portfolios", json={"name": name, "base_currency": "USD"})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def rows_around_a_moment(platform: Platform) -> tuple[str, str, datetime]:
    """A portfolio committed one second before T, and one a second after (through nginx and the API)."""
    tag = uuid.uuid4().hex[:8]
    before = portfolio(platform, f"before-{tag}")
    time.sleep(1.0)
    moment = datetime.now(UTC)
    time.sleep(1.0)
    after = portfolio(platform, f"after-{tag}")
    return before, after, moment


def test_full_then_incremental_backups_are_listed_with_sizes_wal_and_age(platform: Platform) -> None:
    full = platform.qvctl("backup", "run", ENVIRONMENT, "--type", "full", timeout=600)
    assert full.returncode == 0, full.stdout + full.stderr
    incr = platform.qvctl("backup", "run", ENVIRONMENT, "--type", "incr", timeout=600)
    assert incr.returncode == 0, incr.stdout + incr.stderr
    listed = backups(platform)
    assert [b["type"] for b in listed[-2:]] == ["full", "incr"]
    last_full, last_incr = listed[-2:]
    assert last_incr["prior"] == last_full["label"]
    for backup in (last_full, last_incr):
        assert backup["database_size"] > 0 and backup["repository_size"] > 0
        assert len(backup["wal_start"]) == 24 and backup["wal_start"] <= backup["wal_stop"]
        assert 0 <= backup["age_seconds"] < 3600
    assert last_full["label"] in full.stdout
    table = platform.qvctl("backup", "list", ENVIRONMENT)
    assert table.returncode == 0 and last_incr["label"] in table.stdout


def test_verify_passes_while_the_api_keeps_writing(platform: Platform) -> None:
    """The comparison point is consistent: writes during verify cause no false difference."""
    portfolio(platform, f"seed-{uuid.uuid4().hex[:6]}")
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        with platform.client() as client:
            while not stop.is_set():
                response = client.post("/api/v1/portfolios", json={"name": f"busy-{uuid.uuid4().hex[:6]}",
                                                                   "base_currency": "USD"})
                written.append(response.status_code)
                time.sleep(0.05)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        done = platform.qvctl("backup", "verify", ENVIRONMENT, "--output", "json", timeout=900)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["ok"] and report["differences"] == []
    assert report["tables"]["public.portfolios"]["rows"] > 0
    assert report["backup_age_seconds"] >= 0 and report["backup"]["label"] == backups(platform)[-1]["label"]
    assert written.count(201) >= 3, f"the API wrote too little during verify: {written[:20]}"
    assert not (platform.state / "scratch" / "verify").exists()


def test_verify_fails_naming_the_table_when_the_restored_copy_differs(site: Site) -> None:
    """The comparison is real: one row removed from the restored copy is caught, by table."""
    def tamper(conn: psycopg.Connection[Any]) -> None:
        conn.execute("DELETE FROM public.portfolios WHERE ctid = (SELECT ctid FROM public.portfolios LIMIT 1)")

    with pytest.raises(QvError) as caught:
        verify(site, StepRunner(site_console()), tamper=tamper)
    assert "public.portfolios:" in caught.value.message
    assert "rows in the cluster" in caught.value.message
    assert not (site.paths.state / "scratch" / "verify").exists()


def site_console() -> Any:
    from rich.console import Console
    return Console(file=io.StringIO(), width=200)


def test_restore_to_time_in_a_scratch_instance_lands_exactly_at_t(platform: Platform, site: Site) -> None:
    before, after, moment = rows_around_a_moment(platform)
    done = platform.qvctl("restore", ENVIRONMENT, "--to-time", moment.isoformat(), timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "--cleanup" in done.stdout
    scratch = Scratch.of(site.paths, "restore", SPEC.ports.postgresql, SPEC.database.versions.postgresql)
    assert scratch.running()
    superuser = credentials.login(site.paths.root, site.spec, "database_superuser").username
    with scratch.connect(superuser, SPEC.database.name) as conn:
        found = {str(r[0]) for r in conn.execute("SELECT id::text FROM portfolios WHERE id::text IN (%s, %s)",
                                                 (before, after)).fetchall()}
        listening = conn.execute("SHOW listen_addresses").fetchone()
        archive = conn.execute("SHOW archive_mode").fetchone()
    assert found == {before}, f"committed before T: {before}, after T: {after}; the copy has {found}"
    assert listening == ("",) and archive == ("off",)
    cleaned = platform.qvctl("restore", ENVIRONMENT, "--cleanup")
    assert cleaned.returncode == 0 and not scratch.exists()


@pytest.fixture
def repository_objects(site: Site) -> Iterator[dict[str, bytes]]:
    """Saved repository objects, written back whatever the test did to them."""
    saved: dict[str, bytes] = {}
    yield saved
    s3 = _s3()
    for key, body in saved.items():
        s3.put_object(Bucket=_bucket(site), Key=key, Body=body)


def _s3() -> Any:
    assert SPEC.emulator is not None
    return emulator.client(SPEC.emulator.address, SPEC.emulator.port, SPEC.regions.primary, "s3")


def _bucket(site: Site) -> str:
    return site.repository_url(cluster.members(site.spec, site.paths)[0]).removeprefix("s3://").split("/", 1)[0]


def test_verify_fails_naming_a_corrupted_and_a_removed_repository_object(
        platform: Platform, site: Site, repository_objects: dict[str, bytes]) -> None:
    full = platform.qvctl("backup", "run", ENVIRONMENT, "--type", "full", timeout=600)
    assert full.returncode == 0, full.stderr
    label = backups(platform)[-1]["label"]
    wal_stop = backups(platform)[-1]["wal_stop"]
    site.on(site.leader()).run("check")  # a segment after the backup's last one: the removed one is a hole
    s3, bucket = _s3(), _bucket(site)
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    bundle = max((k for k in keys if f"/{label}/bundle/" in k),
                 key=lambda k: s3.head_object(Bucket=bucket, Key=k)["ContentLength"])
    segment = next(k for k in keys if k.rsplit("/", 1)[-1].startswith(f"{wal_stop}-"))
    for key in (bundle, segment):
        repository_objects[key] = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    damaged = bytearray(repository_objects[bundle])
    middle = len(damaged) // 2
    damaged[middle:middle + 64] = bytes(b ^ 0xFF for b in damaged[middle:middle + 64])
    s3.put_object(Bucket=bucket, Key=bundle, Body=bytes(damaged))
    s3.delete_object(Bucket=bucket, Key=segment)

    done = platform.qvctl("backup", "verify", ENVIRONMENT, timeout=900)
    message = " ".join(done.stderr.split())
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"s3://{bucket}/{bundle}: invalid checksum" in message, message
    assert f"s3://{bucket}/{segment.rsplit('-', 1)[0]}: missing from the WAL archive" in message, message
    assert message.count("error:") == 1 and "Traceback" not in done.stderr


def test_the_scheduler_runs_under_supervisord_and_really_triggers_a_backup(
        platform: Platform, scheduler_state: dict[str, str]) -> None:
    assert scheduler_state.get(PROGRAM) == "RUNNING", scheduler_state
    shown = platform.qvctl("backup", "schedule", ENVIRONMENT, "--show", "3")
    assert shown.returncode == 0 and SPEC.backup.schedule.incremental in shown.stdout
    before = {b["label"] for b in backups(platform)}
    # The same loop the supervised program runs, on a test-only fast schedule (cron's unit is a minute).
    done = platform.qvctl("backup", "schedule", ENVIRONMENT, "--every", "2", "--type", "incr", "--max-runs", "1",
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    new = [b for b in backups(platform) if b["label"] not in before]
    assert [b["type"] for b in new] == ["incr"], new
    assert f"incr backup {new[0]['label']} done" in done.stdout


def test_in_place_restore_to_time_brings_both_clusters_back_at_t(platform: Platform, site: Site) -> None:
    before, after, moment = rows_around_a_moment(platform)
    refused = subprocess.run([sys.executable, "-m", "qvctl", "restore", ENVIRONMENT, "--to-time", moment.isoformat(),
                              "--target", "in-place"], cwd=platform.checkout, capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert refused.returncode == 2 and "pass --yes" in refused.stderr
    done = platform.qvctl("restore", ENVIRONMENT, "--to-time", moment.isoformat(), "--target", "in-place", "--yes",
                          timeout=1800)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    with platform.client() as client:
        assert client.get(f"/api/v1/portfolios/{before}").status_code == 200
        assert client.get(f"/api/v1/portfolios/{after}").status_code == 404
    primary = cluster.cluster_state(site.spec, site.paths)
    dr = cluster.cluster_state(site.spec, site.paths, cluster.DR_GROUP)
    timelines = {m["timeline"] for m in primary["members"]} | {m["timeline"] for m in dr["members"]}
    assert len(timelines) == 1 and len(primary["members"]) == 3 and len(dr["members"]) == 2, (primary, dr)
    assert all(m["state"] in ("running", "streaming") for m in primary["members"] + dr["members"])
    assert not list(site.paths.hosts_dir.glob("*/data/postgresql/*.pre-restore-*"))
    status = platform.qvctl("status", ENVIRONMENT)
    assert status.returncode == 0, status.stdout[-3000:]
    # The new timeline's first full backup, so later modules start from a repository that covers it.
    again = platform.qvctl("backup", "run", ENVIRONMENT, "--type", "full", timeout=600)
    assert again.returncode == 0, again.stderr


