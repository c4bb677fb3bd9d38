"""`qvctl drift local` on the live local platform: one change behind each tool's back, both named.

A tag of the backup bucket is changed in the emulator (boto3) and a value in cache1's Redis
configuration file is edited on disk; `qvctl drift local` must name the bucket with the tag
(Terraform's refresh-only plan) and cache1 with the file (Ansible's --check --diff), and exit 2.
Both edits are undone afterwards, whatever happens: the modules after this one share the platform.
Redis reads its file only at start, so the running cache never sees the edited value.
"""

from __future__ import annotations

import json

import pytest

from qvctl.platform import credentials, emulator
from tests.e2e.conftest import EMULATOR, SPEC, Platform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_drift_names_a_bucket_tag_and_a_host_file_changed_behind_the_tools_backs(platform: Platform) -> None:
    s3 = emulator.client(EMULATOR[0], EMULATOR[1], SPEC.regions.primary, "s3")
    bucket = str(credentials.outputs(platform.checkout, SPEC)["backup_bucket"])
    tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert any(t["Key"] == "Environment" for t in tags), f"the bucket carries the default tags: {tags}"
    edited_tags = [t for t in tags if t["Key"] != "Environment"] + [{"Key": "Environment", "Value": "edited-by-hand"}]
    config = platform.state / "hosts" / "cache1" / "etc" / "redis" / "redis.conf"
    original = config.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    assert any(line.startswith("maxmemory ") for line in lines), "the Redis configuration sets maxmemory"
    edited = "".join("maxmemory 1mb\n" if line.startswith("maxmemory ") else line for line in lines)

    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": edited_tags})
    config.write_text(edited)  # in place: owner and mode stay Ansible's
    try:
        done = platform.qvctl("drift", platform.env, "--output", "json")
    finally:
        config.write_bytes(original)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})

    assert done.returncode == 2, f"drift must exit 2:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    findings = json.loads(done.stdout)["findings"]
    buckets = [f for f in findings if f["layer"] == "terraform" and ".aws_s3_bucket." in f["subject"] and f["paths"]]
    assert len(buckets) == 1 and "tags.Environment" in buckets[0]["paths"], f"the tagged bucket alone: {findings}"
    assert '"edited-by-hand"' in buckets[0]["what"]
    cache = [f for f in findings if f["layer"] == "ansible" and f["subject"] == "cache1"]
    assert any("cache1/etc/redis/redis.conf: content differs" in f["what"] for f in cache), (
        f"cache1's redis.conf must be named: {findings}"
    )
    assert not any("1mb" in f["what"] for f in findings), "file content is never shown"
