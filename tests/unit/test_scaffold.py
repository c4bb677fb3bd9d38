"""`qvctl env scaffold`: an environment's Terraform and Ansible files follow from its spec."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from qvctl import scaffold
from qvctl.spec import load_environment, spec_path

from ..conftest import ROOT, run_qvctl


def _copy(tmp_path: Path) -> Path:
    """The parts of the repository the scaffold reads and writes (plus what qvctl needs to find its root)."""
    root = tmp_path / "repo"
    for folder in ("environments", "terraform/env", "ansible/inventories"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_committed_files_match_every_spec() -> None:
    done = run_qvctl("env", "scaffold", "--check")
    assert done.returncode == 0, done.stderr
    assert "match its spec" in done.stdout


def test_a_spec_change_makes_the_generated_files_stale_by_name(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    spec_file = root / "environments" / "staging.yaml"
    spec = yaml.safe_load(spec_file.read_text())
    spec["regions"]["dr"] = "eu-north-1"
    spec["network"]["dr"]["availability_zones"] = ["eu-north-1a", "eu-north-1b", "eu-north-1c"]
    spec_file.write_text(yaml.safe_dump(spec))
    env = load_environment(spec_path(root, "staging"), root)
    assert scaffold.problems(root, env) == [
        "ansible/inventories/staging/aws_ec2.yml: differs from what environments/staging.yaml gives "
        "(run `qvctl env scaffold staging`)"]
    assert scaffold.write(root, env) == ["ansible/inventories/staging/aws_ec2.yml"]
    assert "  - eu-north-1  # regions.dr" in (root / "ansible/inventories/staging/aws_ec2.yml").read_text()
    assert scaffold.problems(root, env) == []


def test_the_tfvars_file_is_started_once_and_then_left_to_people(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    tfvars = root / "terraform/env/prod.tfvars"
    tfvars.write_text('environment = "prod"\nlog_retention_days = 3653 # edited by a person\n')
    env = load_environment(spec_path(root, "prod"), root)
    assert scaffold.write(root, env) == []
    assert "3653" in tfvars.read_text(), "a person's edit survives"
    tfvars.write_text('environment = "staging"\n')
    assert scaffold.problems(root, env) == ["terraform/env/prod.tfvars: sets environment = 'staging', not 'prod'"]


def test_a_new_environment_gets_every_file_with_defaults_for_its_tier(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    spec = yaml.safe_load((root / "environments" / "prod.yaml").read_text())
    spec["name"] = "live"
    spec["account_id"] = "444444444444"
    (root / "environments" / "live.yaml").write_text(yaml.safe_dump(spec))
    env = load_environment(spec_path(root, "live"), root)
    assert sorted(scaffold.write(root, env)) == [
        "ansible/inventories/live/aws_ec2.yml", "ansible/inventories/live/group_vars/all.yml",
        "terraform/env/live.tfbackend", "terraform/env/live.tfvars"]
    backend = (root / "terraform/env/live.tfbackend").read_text()
    assert 'bucket       = "quantumvest-live-tfstate-444444444444"' in backend
    tfvars = (root / "terraform/env/live.tfvars").read_text()
    assert "alb_deletion_protection     = true" in tfvars and "force_destroy               = false" in tfvars, \
        "a production tier starts with the protective settings"
    group_vars = yaml.safe_load((root / "ansible/inventories/live/group_vars/all.yml").read_text())
    assert group_vars["ansible_aws_ssm_bucket_name"] == "quantumvest-live-artifacts-444444444444"
    assert scaffold.problems(root, env) == []


def test_the_local_inventory_lists_the_spec_hosts(tmp_path: Path) -> None:
    env = load_environment(spec_path(ROOT, "local"), ROOT)
    hosts_file = next(f for f in scaffold.files(env) if f.path.name == "hosts.yml")
    inventory = yaml.safe_load(hosts_file.text)["all"]["children"]
    listed = {name: vars_["ansible_host"] for group in inventory.values() for name, vars_ in group["hosts"].items()}
    assert sorted(listed.values()) == sorted(a for g in env.hosts.values() for a in g.addresses or [])
