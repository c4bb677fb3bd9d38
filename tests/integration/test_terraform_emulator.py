"""Terraform against the AWS emulator (moto, started once per session: tests/integration/conftest.py).

- the local slice (env/local.tfvars) applies, converges (a second plan has no changes), and
  the generated secrets exist in Secrets Manager but nowhere in the state;
- dev, staging and prod plan;
- the dev topology applies (the session's `dev_topology`: without ElastiCache and OpenSearch, which
  the emulator cannot create, they stay plan- and mock-tested; and without EC2 detailed monitoring,
  which it cannot switch on, nor the private zone, nor EKS add-ons, which it has no API for, nor
  Route 53 Resolver query logging, which it creates but can neither disassociate nor delete),
  its audit trail records every region, validates and encrypts its log files with the logs
  key and takes S3 data events of exactly the data buckets,
  `terraform show -json` of its state holds none of the generated secret values, a second
  plan (`qvctl plan dev`, the session's `dev_plan`) changes nothing but what the
  emulator is known to report differently (MOTO_GAPS), the aws_ec2 inventory
  lists the database hosts in their groups, and everything destroys (at the end of the session);
- the bootstrap root creates an encrypted, versioned state bucket;
- the policies as code (src/qvctl/policies) find no violation in the plans of dev, staging and
  prod, and decide every rule on the second plan of the applied dev topology (a first plan
  leaves most references unknown, so there they can only find violations, not prove absence).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest

from qvctl.policies.plan import Plan, has_unknown
from qvctl.policies.run import plan_verdicts
from tests.integration.conftest import DevPlan, DevTopology
from tests.terraform_support import EMULATOR_AMI, EMULATOR_KEYS, ROOT, TF_DIR, Workdir, emulator_backend_file

pytestmark = pytest.mark.slow


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def _workdir(tmp: Path, url: str, env: str, config: Path = TF_DIR) -> Workdir:
    work = Workdir(config, tmp / f"data-{env}", tmp / "tools", {**EMULATOR_KEYS, "AWS_DEFAULT_REGION": "us-east-1"})
    backend = emulator_backend_file(tmp / f"{env}.tfbackend", url, "qv-test-tfstate", f"{env}/terraform.tfstate")
    work.init(f"-backend-config={backend}")
    return work


# What a second plan of the applied dev topology still changes on the emulator, and why;
# every other resource must converge. type => (planned actions, attributes that differ).
MOTO_GAPS: dict[str, tuple[list[str], set[str]]] = {
    # moto adds a remote_access block to every managed node group.
    "aws_eks_node_group": (["delete", "create"], {"remote_access"}),
    # moto reports associate_public_ip_address = true for instances launched without one.
    "aws_instance": (["delete", "create"], {"associate_public_ip_address"}),
    # ...so the status-check alarms of the replaced instances get new dimensions.
    "aws_cloudwatch_metric_alarm": (["update"], {"dimensions", "alarm_actions", "ok_actions"}),
    # moto drops the description of rules that reference another security group.
    "aws_vpc_security_group_ingress_rule": (["update"], {"description"}),
    "aws_vpc_security_group_egress_rule": (["update"], {"description"}),
    # moto forgets the replica's KMS key of a replicated secret.
    "aws_secretsmanager_secret": (["update"], {"replica"}),
    # moto copies the launch template's own tags (the create call's tag specification for the
    # launch-template resource) into the template data's tag specifications, so they never match.
    "aws_launch_template": (["update"], {"tag_specifications", "latest_version"}),
    # moto drops delete-marker replication and the SSE-KMS source selection.
    "aws_s3_bucket_replication_configuration": (["update"], {"rule"}),
}


# Violations the current Terraform is known to have: (rule, resource type) => why, and what removes it.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


POLICY_RULES = (
    "segmentation/data-subnet-no-internet-route", "segmentation/database-admits-app-and-observability",
    "least-privilege/no-wildcards", "least-privilege/irsa-trusts-its-service-account",
    "encryption-at-rest/customer-managed-key", "encryption-in-transit/bucket-denies-plain-http",
    "network/no-open-ingress", "network/no-ssh",
)


# What a second plan on the emulator cannot decide, and why: (resource type, attribute).
EMULATOR_UNDECIDED = {
    # MOTO_GAPS replaces every instance; a new instance's extra EBS devices come from its AMI at launch.
    # Its root device, the one the host module declares, is still decided.
    ("aws_instance", "ebs_block_device"),
    # moto re-plans every node group as a replacement (it adds remote_access, RECIPES), and with it the
    # launch template's latest version: which template it names is known only after apply. The
    # template itself (aws_launch_template.node, its volumes on the data key) is still decided.
    ("aws_eks_node_group", "launch_template"),
}


def policy_violations(plan: dict, name: str) -> tuple[list[str], list[str]]:
    """(violations nobody knew of, undecided rules the emulator does not explain) of the policies over a plan."""
    verdicts = plan_verdicts(Plan.from_document(plan, name))
    known = {rule: kind for rule, kind in KNOWN_VIOLATIONS}
    new = [str(v) for v in verdicts.violations if f"{known.get(v.rule)}." not in v.resource]
    undecided = [str(v) for v in verdicts.undecided
                 if not any(f"{kind}." in v.resource and f"undecided: {attribute} " in v.message
                            for kind, attribute in EMULATOR_UNDECIDED)]
    return new, undecided


def stale_known_violations(plan: dict, name: str) -> list[tuple[str, str]]:
    """KNOWN_VIOLATIONS the plan no longer has: fixed, so the entry must go."""
    found = plan_verdicts(Plan.from_document(plan, name)).violations
    return [(rule, kind) for rule, kind in KNOWN_VIOLATIONS if not any(
        v.rule == rule and f"{kind}." in v.resource for v in found)]


def unconverged(plan: dict) -> list[str]:
    """Changes of a plan (terraform show -json) that MOTO_GAPS does not explain."""
    left = []
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        if actions == ["update"]:
            before, after = change["change"]["before"], change["change"]["after"]
            unknown = change["change"].get("after_unknown") or {}
            differs = {k for k in set(before) | set(after)
                       if before.get(k) != after.get(k) or has_unknown(unknown.get(k))}
        else:
            differs = {path[0] for path in change["change"].get("replace_paths") or [[]] if path}
        expected = MOTO_GAPS.get(change["type"])
        if expected is None or actions != expected[0] or not differs or not differs <= expected[1]:
            left.append(f"{change['address']}: {actions} {sorted(differs)}")
    return left


def test_local_slice_applies_converges_and_keeps_secrets_out_of_state(emulator: str, tmp_path: Path) -> None:
    work = _workdir(tmp_path, emulator, "local")
    args = ["-input=false", "-no-color", "-var-file=env/local.tfvars", f"-var=aws_endpoint_url={emulator}"]
    work.run("apply", "-auto-approve", *args)

    second = work.run("plan", "-detailed-exitcode", *args, check=False)
    assert second.returncode == 0, f"a second plan must show no changes:\n{second.stdout[-4000:]}"

    outputs = {k: v["value"] for k, v in json.loads(work.run("output", "-json").stdout).items()}
    assert outputs["environment"] == "local" and outputs["primary_region"] == "us-east-1"
    assert set(outputs["kms_key_arns"]) == {"data", "backup", "secrets", "logs"}
    assert outputs["secret_names"]["database_app"] == "quantumvest/local/database/app"
    assert outputs["vpc_id"].startswith("vpc-") and outputs["backup_bucket"]

    sm = boto3.client("secretsmanager", endpoint_url=emulator, region_name="us-east-1", **_keys())
    names = outputs["secret_names"]
    values = {k: json.loads(sm.get_secret_value(SecretId=n)["SecretString"]) for k, n in names.items()}
    assert values["database_app"]["username"] == "quantumvest_app"
    assert set(values["redis_auth"]) == {"password"}
    assert all(len(v["password"]) >= 32 for v in values.values())

    state = work.run("state", "pull").stdout
    for value in values.values():
        assert value["password"] not in state, "a generated password leaked into the Terraform state"

    # A rotation (value_version bump) rewrites every credential but the backup passphrase, which
    # the existing repository needs forever.
    work.run("apply", "-auto-approve", *args, "-var=secret_value_version=2")
    rotated = {k: json.loads(sm.get_secret_value(SecretId=n)["SecretString"]) for k, n in names.items()}
    assert {k for k in names if rotated[k]["password"] == values[k]["password"]} == {"backup_cipher"}

    s3 = boto3.client("s3", endpoint_url=emulator, region_name="us-east-1", **_keys())
    rule = s3.get_bucket_encryption(Bucket=outputs["backup_bucket"])["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == outputs["kms_key_arns"]["backup"]

    work.run("destroy", "-auto-approve", *args)


def test_cloud_environments_plan(emulator: str, tmp_path: Path) -> None:
    def plan(env: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        work = _workdir(tmp_path, emulator, env)
        done = work.run("plan", "-input=false", "-no-color", "-detailed-exitcode", f"-var-file=env/{env}.tfvars",
                        f"-var=aws_endpoint_url={emulator}", f"-var=host_ami={EMULATOR_AMI}",
                        f"-out={tmp_path / env}.tfplan", check=False)
        if done.returncode == 2:  # the same plan, as JSON, for the policies
            shown[env] = json.loads(work.run("show", "-json", f"{tmp_path / env}.tfplan").stdout)
        return env, done

    shown: dict[str, dict] = {}

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(plan, ["dev", "staging", "prod"]))
    for env, done in results.items():
        assert done.returncode == 2, f"plan of {env} failed:\n{done.stderr[-3000:]}"
        assert "aws_elasticache_replication_group" in done.stdout, f"{env}: the cache must be planned"
        assert "aws_opensearch_domain" in done.stdout
        assert "module.internal_dns[0].aws_route53_zone.this" in done.stdout, f"{env}: the private zone must be planned"
    assert results["prod"].stdout.count("aws_nat_gateway.this[") >= 6, "prod: a NAT gateway per AZ in both regions"
    for env, plan_json in shown.items():
        violations, _ = policy_violations(plan_json, f"{env} plan")
        assert not violations, f"{env}: the policies as code fail:\n" + "\n".join(violations)


def test_dev_topology_applies_converges_and_lists_its_inventory(dev_topology: DevTopology, dev_plan: DevPlan,
                                                                emulator: str) -> None:
    work, outputs = dev_topology.work, dev_topology.outputs
    cloud = outputs["cloud"]
    # hosts.database and hosts.database_dr of environments/dev.yaml
    assert len(cloud["database_hosts"]["primary"]) == 3 and len(cloud["database_hosts"]["dr"]) == 2

    second = dev_plan.document
    left = unconverged(second)
    assert not left, "a second plan changes more than the emulator's known gaps:\n" + "\n".join(left)
    violations, undecided = policy_violations(second, "dev second plan")
    assert not violations, "the policies as code fail:\n" + "\n".join(violations)
    # The applied topology's plan knows what every rule reads (but EMULATOR_UNDECIDED); every rule judges.
    assert not undecided, "rules the applied plan should decide:\n" + "\n".join(undecided)
    judged = plan_verdicts(Plan.from_document(second, "dev second plan")).judged
    assert POLICY_RULES and all(judged[rule] for rule in POLICY_RULES), f"a rule judged nothing: {dict(judged)}"
    stale = stale_known_violations(second, "dev second plan")
    assert not stale, f"fixed: remove from KNOWN_VIOLATIONS {stale}"

    assert outputs.get("internal_dns") is None  # null (left out): the emulator cannot make private zones
    _assert_audit_trail(emulator, outputs)
    assert outputs["secret_names"]["backup_cipher"] == "quantumvest/dev/backup/cipher"
    iam = boto3.client("iam", endpoint_url=emulator, region_name="us-east-1", **_keys())
    for region_role in ("primary", "dr"):
        policy = json.dumps(iam.get_role_policy(RoleName=f"quantumvest-dev-{region_role}-database",
                                                PolicyName="pgbackrest-and-secrets")["PolicyDocument"])
        assert "quantumvest/dev/backup/cipher" in policy, f"{region_role} database hosts read the backup cipher"
    external = json.dumps(iam.get_role_policy(RoleName="quantumvest-dev-irsa-external-secrets",
                                              PolicyName="least-privilege")["PolicyDocument"])
    assert "database/app" in external and "pki/ca" in external
    for never in ("backup/cipher", "database/superuser", "database/replication", "quantumvest/dev/*"):
        assert never not in external, f"external-secrets may read {never}"

    # Every value Secrets Manager holds for the environment (generated by the ephemeral
    # generator, written write-only) is absent from what Terraform keeps and shows.
    sm = boto3.client("secretsmanager", endpoint_url=emulator, region_name=outputs["primary_region"], **_keys())
    values = [json.loads(sm.get_secret_value(SecretId=n)["SecretString"])["password"]
              for n in outputs["secret_names"].values()]
    assert len(values) == len(outputs["secret_names"]) and all(len(v) >= 32 for v in values)
    shown = work.run("show", "-json").stdout
    leaked = [name for name, v in zip(outputs["secret_names"], values, strict=True) if v in shown]
    assert not leaked, f"terraform show -json contains the values of {leaked}"

    env = {**os.environ, **EMULATOR_KEYS, "AWS_URL": emulator, "ANSIBLE_DEPRECATION_WARNINGS": "false"}
    inventory_cli = str(Path(sys.executable).parent / "ansible-inventory")
    listed = subprocess.run([inventory_cli, "-i", "inventories/dev", "--list"], cwd=ROOT / "ansible", env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert listed.returncode == 0, listed.stderr[-3000:]
    inventory = json.loads(listed.stdout)
    hosts = lambda group: set(inventory.get(group, {}).get("hosts", []))  # noqa: E731
    assert hosts("database") == set(cloud["database_hosts"]["primary"]) | set(cloud["database_hosts"]["dr"])
    assert hosts("region_primary") >= set(cloud["database_hosts"]["primary"])
    assert hosts("region_dr") >= set(cloud["database_hosts"]["dr"])
    assert hosts("patroni_quantumvest_dev_primary") == set(cloud["database_hosts"]["primary"])
    assert hosts("observability") == {"quantumvest-dev-primary-obs1"}
    db1 = inventory["_meta"]["hostvars"]["quantumvest-dev-primary-db1"]
    # --list may wrap templated strings in a marker object: compare the JSON text.
    assert '"i-' in json.dumps(db1["ansible_host"]) and "primary" in json.dumps(db1["qv_region_role"])


def _assert_audit_trail(emulator: str, outputs: dict) -> None:
    """The applied trail, as the emulator's CloudTrail API reports it."""
    audit = outputs["audit"]
    trail = boto3.client("cloudtrail", endpoint_url=emulator, region_name=outputs["primary_region"], **_keys())
    found = trail.get_trail(Name=audit["trail_arn"])["Trail"]
    assert found["IsMultiRegionTrail"] and found["LogFileValidationEnabled"], found
    assert found["KmsKeyId"] == outputs["kms_key_arns"]["logs"] and found["S3BucketName"] == audit["bucket"]
    selectors = trail.get_event_selectors(TrailName=audit["trail_arn"])["EventSelectors"]
    logged = {v for sel in selectors for d in sel.get("DataResources", []) if d["Type"] == "AWS::S3::Object"
              for v in d["Values"]}
    assert logged == {f"{arn}/" for arn in audit["data_bucket_arns"]}
    assert f"arn:aws:s3:::{outputs['backup_bucket']}/" in logged and f"arn:aws:s3:::{audit['bucket']}/" not in logged
    assert all(sel["ReadWriteType"] == "All" and sel["IncludeManagementEvents"] for sel in selectors)


def test_bootstrap_creates_an_encrypted_versioned_state_bucket(emulator: str, tmp_path: Path) -> None:
    work = Workdir(TF_DIR / "bootstrap", tmp_path / "data", tmp_path / "tools", {**EMULATOR_KEYS})
    work.init()
    state = f"-state={tmp_path / 'bootstrap.tfstate'}"
    args = ["-input=false", "-no-color", "-var=environment=staging", f"-var=aws_endpoint_url={emulator}", state]
    work.run("apply", "-auto-approve", *args)
    backend = json.loads(work.run("output", "-json", state).stdout)["backend"]["value"]
    assert backend["bucket"] == "quantumvest-staging-tfstate-222222222222"

    s3 = boto3.client("s3", endpoint_url=emulator, region_name="eu-west-1", **_keys())
    assert s3.get_bucket_versioning(Bucket=backend["bucket"])["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=backend["bucket"])["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert (TF_DIR / "env" / "staging.tfbackend").read_text().count(backend["bucket"]) == 1
    work.run("destroy", "-auto-approve", *args)
