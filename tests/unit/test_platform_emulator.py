"""The emulator's state bucket and the `--keep-data` snapshot, against a real moto server."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from qvctl.context import Context
from qvctl.platform import emulator
from qvctl.platform.paths import EnvPaths

pytestmark = pytest.mark.slow


def test_the_state_bucket_is_created_once_and_versioned(moto: int) -> None:
    assert emulator.ensure_state_bucket("127.0.0.1", moto, "us-east-1", "qv-tfstate") == "bucket qv-tfstate created"
    assert emulator.ensure_state_bucket("127.0.0.1", moto, "us-east-1", "qv-tfstate") == "bucket qv-tfstate exists"
    s3 = emulator.client("127.0.0.1", moto, "us-east-1", "s3")
    assert s3.get_bucket_versioning(Bucket="qv-tfstate")["Status"] == "Enabled"


def test_kept_secrets_and_objects_come_back_into_a_fresh_emulator(tmp_path: Path, moto: int) -> None:
    paths = EnvPaths.of(Context(root=tmp_path, environ={"QV_STATE_DIR": str(tmp_path / "state")}), "local")
    sm = emulator.client("127.0.0.1", moto, "us-east-1", "secretsmanager")
    s3 = emulator.client("127.0.0.1", moto, "us-east-1", "s3")
    password = json.dumps({"username": "quantumvest_app", "password": "kept-from-before"})
    sm.create_secret(Name="quantumvest/local/database/app", SecretString=password)
    for bucket in ("qv-tfstate", "qv-backup"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="qv-backup", Key="pgbackrest/archive/000001.gz", Body=b"wal")
    s3.put_object(Bucket="qv-tfstate", Key="local/terraform.tfstate", Body=b"{}")

    summary = emulator.save_snapshot(paths, "127.0.0.1", moto, ["us-east-1"], "qv-tfstate")
    assert summary == "1 secrets, 1 objects saved", "the state bucket is not kept"
    assert stat.S_IMODE((paths.emulator_snapshot / "secrets.json").stat().st_mode) == 0o600

    # A fresh emulator, after Terraform made the same names with new generated values.
    import requests

    requests.post(f"http://127.0.0.1:{moto}/moto-api/reset", timeout=10)
    sm.create_secret(Name="quantumvest/local/database/app", SecretString='{"password": "new"}')
    s3.create_bucket(Bucket="qv-backup")

    assert emulator.restore_snapshot(paths, "127.0.0.1", moto, "us-east-1") == "1 secrets, 1 objects restored"
    assert sm.get_secret_value(SecretId="quantumvest/local/database/app")["SecretString"] == password
    assert s3.get_object(Bucket="qv-backup", Key="pgbackrest/archive/000001.gz")["Body"].read() == b"wal"
    assert not paths.emulator_snapshot.exists(), "a restored snapshot is removed"
    assert emulator.restore_snapshot(paths, "127.0.0.1", moto, "us-east-1") is None
