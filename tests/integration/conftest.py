"""The AWS emulator and the dev topology applied to it, shared by every emulator test of the session.

The dev apply costs minutes, so it happens once: test_terraform_emulator.py judges the applied
topology and its second plan, test_plan_gate_emulator.py drives `qvctl plan / apply / drift` over
the same state. Both see the same inputs: a copy of the checkout whose dev backend and tfvars point
at the emulator (tests/terraform_support.py emulator_checkout), with the environment CA qvctl
publishes made up front, so the fixture's own `terraform apply` and qvctl's plan agree.

The emulator listens on 127.0.0.1:5100 (+ the xdist worker number); QV_TEST_EMULATOR_PORT moves
that base (a second checkout testing on the same machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from qvctl.platform import pki
from tests.terraform_support import EMULATOR_KEYS, Workdir, emulator_checkout, moto_server

STATE_BUCKET = "qv-test-tfstate"


def emulator_keys() -> dict[str, str]:
    return {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    port = int(os.environ.get("QV_TEST_EMULATOR_PORT", "5100")) + int(worker.removeprefix("gw") or 0)
    with moto_server(port, tmp_path_factory.mktemp("moto") / "moto.log") as url:
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **emulator_keys())
        s3.create_bucket(Bucket=STATE_BUCKET)
        yield url


@dataclass
class DevTopology:
    url: str
    checkout: Path  # QV_ROOT for qvctl
    state: Path  # QV_STATE_DIR for qvctl
    work: Workdir  # terraform in the checkout, on the same state as qvctl
    args: list[str]
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def qvctl_env(self) -> dict[str, str]:
        return {
            **os.environ,
            **EMULATOR_KEYS,
            "AWS_DEFAULT_REGION": "us-east-1",
            "QV_ROOT": str(self.checkout),
            "QV_STATE_DIR": str(self.state),
            "COLUMNS": "250",
        }

    def qvctl(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """`python -m qvctl ARGS` with no terminal on stdin (as in CI), against the emulator's dev."""
        return subprocess.run(
            [sys.executable, "-m", "qvctl", *args],
            cwd=self.checkout,
            env=self.qvctl_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def state_version(self) -> str:
        s3 = boto3.client("s3", endpoint_url=self.url, region_name="us-east-1", **emulator_keys())
        return str(s3.head_object(Bucket=STATE_BUCKET, Key="dev/terraform.tfstate")["ETag"])


@pytest.fixture(scope="session")
def dev_topology(emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTopology]:
    tmp = tmp_path_factory.mktemp("dev")
    checkout = emulator_checkout(tmp / "checkout", emulator, "dev", STATE_BUCKET, "dev/terraform.tfstate")
    state = tmp / "state"
    ca_cert, ca_key = state / "dev" / "pki" / "ca.crt", state / "dev" / "pki" / "ca.key"
    pki.ensure_ca(ca_cert, ca_key, "dev", "quantumvest")  # what qvctl's "environment CA" step makes
    work = Workdir(
        checkout / "terraform", tmp / "data-dev", tmp / "tools", {**EMULATOR_KEYS, "AWS_DEFAULT_REGION": "us-east-1"}
    )
    work.init("-backend-config=env/dev.tfbackend")
    args = ["-input=false", "-no-color", "-var-file=env/dev.tfvars", f"-var=environment_ca_certificate_file={ca_cert}"]
    topology = DevTopology(emulator, checkout, state, work, args)
    try:
        work.run("apply", "-auto-approve", *args, timeout=900)
        topology.outputs = {k: v["value"] for k, v in json.loads(work.run("output", "-json").stdout).items()}
        yield topology
    finally:
        work.run("destroy", "-auto-approve", *args, timeout=900)
    ec2 = boto3.client("ec2", endpoint_url=emulator, region_name="eu-west-1", **emulator_keys())
    left = [
        i
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] != "terminated"
    ]
    assert not left, f"instances left after destroy: {[i['InstanceId'] for i in left]}"


@dataclass(frozen=True)
class DevPlan:
    done: subprocess.CompletedProcess[str]  # `qvctl plan dev`
    plan_file: Path
    record: dict[str, Any]  # the summary written beside it
    document: dict[str, Any]  # terraform show -json of the plan file
    markdown: str  # the --summary-file the pull-request workflow posts


@pytest.fixture(scope="session")
def dev_plan(dev_topology: DevTopology) -> DevPlan:
    """`qvctl plan dev` over the applied topology: the second plan (what the emulator reports differently)."""
    comment = dev_topology.state / "dev-plan.md"
    done = dev_topology.qvctl("plan", "dev", "--summary-file", str(comment))
    assert done.returncode == 0, f"qvctl plan dev failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    plan_file = dev_topology.state / "dev" / "plans" / "dev.tfplan"
    record = json.loads(plan_file.with_name("dev.tfplan.json").read_text())
    document = json.loads(dev_topology.work.run("show", "-json", str(plan_file)).stdout)
    return DevPlan(done, plan_file, record, document, comment.read_text())
