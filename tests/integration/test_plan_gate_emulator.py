"""`qvctl plan / apply / drift` against the emulator's dev topology (the session's `dev_topology`).

Nothing here applies the topology again: `dev_plan` is the `qvctl plan dev` that
test_terraform_emulator.py also judges, and the one apply here is of that saved plan. Every qvctl
runs with no terminal on stdin, as in CI.

- the plan is saved with a summary whose counts are the ones Terraform prints for the plan file;
- `apply` with no terminal and no --yes refuses and changes nothing; a plan whose inputs changed
  is refused naming the file; `apply --yes` applies the plan, and a copy of it made before that
  apply is then stale (Terraform: "Saved plan is stale");
- a tag changed behind Terraform's back on a bucket (boto3) is named by `qvctl drift dev`, with exit 2;
  the other buckets are not named, and whatever else is reported is what the emulator reports
  differently from what it was told (EMULATOR_DRIFT): a clean dev cannot exit 0 on the emulator.
  It runs before the apply below, on the topology as the fixture applied it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import boto3
import pytest

from qvctl.exit_status import ExitStatus
from tests.integration.conftest import DevPlan, DevTopology, emulator_keys

pytestmark = pytest.mark.slow

# What a refresh of the applied dev topology reads back differently from what the emulator was told,
# in attributes the configuration sets: resource type => top-level attributes.
EMULATOR_DRIFT: dict[str, set[str]] = {
    # moto drops the description of rules that reference another security group (as in MOTO_GAPS).
    "aws_vpc_security_group_ingress_rule": {"description"},
    "aws_vpc_security_group_egress_rule": {"description"},
    # moto reports no security groups and an empty tag map on the root volume of an instance it launched.
    "aws_instance": {"vpc_security_group_ids", "root_block_device"},
}


def _terraforms_count_line(topology: DevTopology, plan_file: Path) -> tuple[int, int, int]:
    text = topology.work.run("show", "-no-color", str(plan_file)).stdout
    found = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.", text)
    assert found, f"terraform show printed no Plan: line:\n{text[-2000:]}"
    add, change, destroy = (int(n) for n in found.groups())
    return add, change, destroy


def _copy_plan(plan: DevPlan, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    copy = target / plan.plan_file.name
    shutil.copy2(plan.plan_file, copy)
    shutil.copy2(plan.plan_file.with_name(plan.plan_file.name + ".json"), target / (copy.name + ".json"))
    return copy


def test_plan_saves_the_plan_and_a_summary_with_terraforms_counts(dev_topology: DevTopology, dev_plan: DevPlan) -> None:
    summary = dev_plan.record["summary"]
    counts = (summary["add"], summary["change"], summary["destroy"])
    assert counts == _terraforms_count_line(dev_topology, dev_plan.plan_file)
    assert f"dev: {counts[0]} to add, {counts[1]} to change, {counts[2]} to destroy" in dev_plan.done.stdout
    assert dev_plan.markdown.startswith(f"### dev: {counts[0]} to add, {counts[1]} to change, {counts[2]} to destroy")
    # The emulator re-plans its instances and node groups as replacements (MOTO_GAPS): they are called out.
    replaced = {c["address"] for c in summary["changes"] if c["action"] == "replace"}
    planned = {
        c["address"]
        for c in dev_plan.document["resource_changes"]
        if c["change"]["actions"] in (["delete", "create"], ["create", "delete"])
    }
    assert replaced == planned and any(".aws_instance." in a for a in replaced)
    dangerous = [c for c in summary["changes"] if c["action"] in ("delete", "replace")]
    assert f"{len(dangerous)} resource(s) will be destroyed or replaced" in dev_plan.done.stdout
    assert {"terraform/env/dev.tfvars", "environments/dev.yaml"} <= set(dev_plan.record["inputs_sha256"])


def test_drift_names_a_bucket_tag_changed_behind_terraforms_back(dev_topology: DevTopology) -> None:
    s3 = boto3.client("s3", endpoint_url=dev_topology.url, region_name="eu-west-1", **emulator_keys())
    bucket = dev_topology.outputs["backup_bucket"]
    tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    changed = [t for t in tags if t["Key"] != "Environment"] + [{"Key": "Environment", "Value": "edited-by-hand"}]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": changed})
    try:
        done = dev_topology.qvctl("drift", "dev", "--only", "terraform", "--output", "json")
    finally:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    assert done.returncode == ExitStatus.DRIFT, done.stdout[-2000:] + done.stderr
    report = json.loads(done.stdout)
    assert report["drifted"] is True
    tagged = [f for f in report["findings"] if f["subject"].endswith('bucket["backup"].aws_s3_bucket.this')]
    assert len(tagged) == 1, f"the tagged bucket must be named once: {report['findings']}"
    assert "tags.Environment" in tagged[0]["paths"]
    assert '"dev" → "edited-by-hand"' in tagged[0]["what"]
    others = [f for f in report["findings"] if f is not tagged[0]]
    assert not [f for f in others if ".aws_s3_bucket." in f["subject"]], "only the tagged bucket drifted"
    unexplained = [f for f in others if not _emulator_gap(f)]
    assert not unexplained, "drift the emulator does not explain:\n" + "\n".join(map(str, unexplained))


def _emulator_gap(finding: dict[str, object]) -> bool:
    kind = str(finding["subject"]).rsplit(".", 2)[-2]
    attributes = {re.split(r"[.\[]", str(path))[0] for path in finding["paths"]}  # type: ignore[attr-defined]
    return bool(attributes) and attributes <= EMULATOR_DRIFT.get(kind, set())


def test_apply_without_a_terminal_or_yes_refuses_and_changes_nothing(
    dev_topology: DevTopology, dev_plan: DevPlan, tmp_path: Path
) -> None:
    copy = _copy_plan(dev_plan, tmp_path)
    before = dev_topology.state_version()
    done = dev_topology.qvctl("apply", "dev", "--plan", str(copy))
    assert done.returncode == ExitStatus.INVALID_INPUT, done.stdout[-2000:] + done.stderr
    assert done.stderr.strip().count("\n") == 0, f"one line, not:\n{done.stderr}"
    assert "refusing to apply to dev unreviewed" in done.stderr and "--yes" in done.stderr
    assert "will be destroyed or replaced" in done.stdout, "the plan is shown before the refusal"
    assert dev_topology.state_version() == before and copy.exists()


def test_apply_refuses_a_plan_whose_inputs_changed_naming_the_file(
    dev_topology: DevTopology, dev_plan: DevPlan, tmp_path: Path
) -> None:
    copy = _copy_plan(dev_plan, tmp_path)
    tfvars = dev_topology.checkout / "terraform" / "env" / "dev.tfvars"
    original = tfvars.read_text()
    tfvars.write_text(original.replace("log_retention_days          = 365", "log_retention_days          = 400"))
    assert tfvars.read_text() != original, "the edit must change the tfvars"
    try:
        done = dev_topology.qvctl("apply", "dev", "--plan", str(copy), "--yes")
    finally:
        tfvars.write_text(original)
    assert done.returncode == ExitStatus.FAILED, done.stdout[-2000:] + done.stderr
    assert "the saved plan for dev is stale: terraform/env/dev.tfvars changed since it was made" in done.stderr


def test_apply_yes_applies_the_saved_plan_and_an_older_copy_is_then_stale(
    dev_topology: DevTopology, dev_plan: DevPlan, tmp_path: Path
) -> None:
    older = _copy_plan(dev_plan, tmp_path / "older")
    before = dev_topology.state_version()
    ec2 = boto3.client("ec2", endpoint_url=dev_topology.url, region_name="eu-west-1", **emulator_keys())
    db1 = {"Name": "tag:Name", "Values": ["quantumvest-dev-primary-db1"]}
    running = {"Name": "instance-state-name", "Values": ["running"]}

    def db1_instances() -> set[str]:
        return {
            i["InstanceId"]
            for r in ec2.describe_instances(Filters=[db1, running])["Reservations"]
            for i in r["Instances"]
        }

    first = db1_instances()
    done = dev_topology.qvctl("apply", "dev", "--yes")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "--yes: applying to dev without asking" in done.stdout and "dev: applied" in done.stdout
    assert dev_topology.state_version() != before and not dev_plan.plan_file.exists(), "the plan is consumed"
    # The plan replaces the instances (MOTO_GAPS): db1 now runs as another instance.
    assert db1_instances() and db1_instances().isdisjoint(first)

    stale = dev_topology.qvctl("apply", "dev", "--plan", str(older), "--yes")
    assert stale.returncode == ExitStatus.FAILED, stale.stdout[-2000:] + stale.stderr
    assert "Saved plan is stale" in stale.stderr
