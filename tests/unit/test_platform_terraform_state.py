"""The environment's backend file and the outputs in its Terraform state (what Ansible's qv_platform reads)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.terraform_state import backend_file, read_backend, read_outputs

from ..conftest import ROOT


def test_the_committed_backends_say_where_each_state_lives() -> None:
    local = read_backend(backend_file(ROOT, "local"))
    assert (local.bucket, local.key, local.region) == ("quantumvest-local-tfstate", "local/terraform.tfstate",
                                                       "us-east-1")
    assert local.s3_endpoint == "http://127.0.0.1:5000" and local.path_style
    dev = read_backend(backend_file(ROOT, "dev"))
    assert dev.s3_endpoint is None and dev.bucket.startswith("quantumvest-dev-tfstate-")


def test_a_missing_or_broken_backend_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(QvError) as missing:
        read_backend(tmp_path / "qa.tfbackend")
    assert missing.value.message == f"{tmp_path / 'qa.tfbackend'}: no such backend file"
    assert missing.value.status is ExitStatus.INVALID_INPUT
    broken = tmp_path / "broken.tfbackend"
    broken.write_text('bucket = "b"\nkey = \n')
    with pytest.raises(QvError) as parse:
        read_backend(broken)
    assert parse.value.message.startswith(f"{broken}: not a valid backend file")
    partial = tmp_path / "partial.tfbackend"
    partial.write_text('bucket = "b"\n')
    with pytest.raises(QvError) as incomplete:
        read_backend(partial)
    assert incomplete.value.message == f"{partial}: missing key, region"


@pytest.fixture
def emulator_backend(tmp_path: Path, moto: int) -> Path:
    path = tmp_path / "test.tfbackend"
    path.write_text(f'bucket = "state"\nkey = "test/terraform.tfstate"\nregion = "us-east-1"\n'
                    f'endpoints = {{ s3 = "http://127.0.0.1:{moto}" }}\nuse_path_style = true\n')
    return path


KEYS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@pytest.mark.slow
def test_outputs_come_from_the_state_object(emulator_backend: Path, moto: int) -> None:
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto}", region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")  # noqa: S106
    backend = read_backend(emulator_backend)
    with pytest.raises(QvError) as absent:
        read_outputs(backend, KEYS)
    assert "no Terraform state at s3://state/test/terraform.tfstate" in absent.value.message
    s3.create_bucket(Bucket="state")
    state = {"version": 4, "outputs": {"backup_bucket": {"value": "b-1", "type": "string"},
                                       "secret_names": {"value": {"app": "p/e/app"}, "type": ["object", {}]}}}
    s3.put_object(Bucket="state", Key="test/terraform.tfstate", Body=json.dumps(state).encode())
    assert read_outputs(backend, KEYS) == {"backup_bucket": "b-1", "secret_names": {"app": "p/e/app"}}
    s3.put_object(Bucket="state", Key="test/terraform.tfstate", Body=b"not json")
    with pytest.raises(QvError) as garbage:
        read_outputs(backend, KEYS)
    assert garbage.value.message.endswith("is not a state file")
