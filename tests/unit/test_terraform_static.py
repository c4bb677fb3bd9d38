"""Terraform, offline: formatting, validation, and the mock-provider tests of every module.

No network and no emulator: `terraform test` runs with `mock_provider "aws"` only
(terraform/tests/*.tftest.hcl).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.terraform_support import EMULATOR_KEYS, ROOT, TF_DIR, Workdir, terraform_binary

MODULES = ["region", "network", "security", "eks", "database_hosts", "host", "cache", "storage", "observability",
           "edge", "private_dns", "secrets", "state", "ci_oidc"]


@pytest.fixture(scope="module")
def root_workdir(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    base = tmp_path_factory.mktemp("tf-static")
    # Offline credentials: the mocked tests must never need real ones.
    work = Workdir(TF_DIR, base / "data", base / "tools", {**EMULATOR_KEYS, "AWS_DEFAULT_REGION": "eu-west-1"})
    work.init("-backend=false")
    return work


def test_terraform_files_are_formatted() -> None:
    done = subprocess.run([terraform_binary(), "fmt", "-check", "-recursive", "-diff"], cwd=TF_DIR,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"terraform fmt would change:\n{done.stdout}{done.stderr}"


def test_root_module_validates(root_workdir: Workdir) -> None:
    # -no-tests: test files are exercised (and so validated) by `terraform test` below; validate's
    # own pass over run blocks that target other modules misreads their provider aliases in 1.11.
    done = root_workdir.run("validate", "-no-color", "-no-tests")
    assert "Success" in done.stdout


def test_bootstrap_root_validates(tmp_path: Path) -> None:
    work = Workdir(TF_DIR / "bootstrap", tmp_path / "data", tmp_path / "tools", EMULATOR_KEYS)
    work.init("-backend=false")
    assert "Success" in work.run("validate", "-no-color").stdout


def test_every_module_follows_the_module_layout() -> None:
    for name in MODULES:
        folder = TF_DIR / "modules" / name
        missing = [f for f in ("main.tf", "variables.tf", "outputs.tf", "versions.tf") if not (folder / f).is_file()]
        assert not missing, f"module {name} lacks {missing}"
        for block in re.findall(r'variable "[^"]+" \{.*?\n\}', (folder / "variables.tf").read_text(), re.S):
            assert "description" in block and "type" in block, f"{name}: undocumented variable {block[:60]}"


def test_every_module_has_mock_provider_tests() -> None:
    sources = "\n".join(p.read_text() for p in (TF_DIR / "tests").glob("*.tftest.hcl"))
    assert 'mock_provider "aws"' in sources
    for name in MODULES:
        assert f'source = "./modules/{name}"' in sources, f"no terraform test runs module {name}"


@pytest.mark.slow  # many seconds of tool time: make test runs it, make test-fast does not
def test_mock_provider_tests_pass(root_workdir: Workdir) -> None:
    done = root_workdir.run("test", "-no-color", check=False, timeout=900)
    summary = re.search(r"(Success|Failure)! (\d+) passed, (\d+) failed", done.stdout)
    assert done.returncode == 0 and summary and summary.group(3) == "0", done.stdout[-6000:] + done.stderr[-3000:]
    assert int(summary.group(2)) >= 25, f"fewer terraform test runs than expected: {summary.group(0)}"


def _hcl_list(text: str, name: str) -> list[str]:
    found = re.search(rf"\n  {name}\s*=\s*\[(.*?)\]", text, re.S)
    assert found, f"local.{name} not found"
    return re.findall(r'"([^"]+)"', found.group(1))


def test_every_provider_sends_exactly_the_listed_services_to_the_emulator() -> None:
    # Terraform cannot compute a block's argument names, so each provider block spells its
    # endpoints out; this keeps them equal to the one list in providers.tf.
    text = (TF_DIR / "providers.tf").read_text()
    expected = {None: _hcl_list(text, "emulated_services"), "dr": _hcl_list(text, "emulated_services"),
                "secrets_generator": _hcl_list(text, "generator_services")}
    blocks = re.findall(r'\nprovider "aws" \{\n(.*?)\n\}', text, re.S)
    seen = {}
    for body in blocks:
        alias = re.search(r'^  alias\s*=\s*"([^"]+)"', body, re.M)
        content = re.search(r'dynamic "endpoints" \{.*?content \{\n(.*?)\n    \}', body, re.S)
        assert content, f"provider {alias and alias.group(1)} has no emulator endpoints"
        seen[alias.group(1) if alias else None] = re.findall(r"^\s*([a-z0-9]+)\s*=", content.group(1), re.M)
    assert set(seen) == set(expected)
    for alias, services in seen.items():
        assert sorted(services) == sorted(expected[alias]), f"provider {alias or 'default'}: endpoints differ"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_inventory_groups_on_the_tags_terraform_sets(env: str) -> None:
    inventory = yaml.safe_load((ROOT / "ansible" / "inventories" / env / "aws_ec2.yml").read_text())
    spec = yaml.safe_load((ROOT / "environments" / f"{env}.yaml").read_text())
    assert inventory["plugin"] == "amazon.aws.aws_ec2"
    assert inventory["regions"] == [spec["regions"]["primary"], spec["regions"]["dr"]]
    assert inventory["filters"]["tag:Environment"] == env
    assert inventory["filters"]["tag:Project"] == spec["project"]
    keys = [g["key"] for g in inventory["keyed_groups"]]
    hosts_tf = (TF_DIR / "modules" / "database_hosts" / "main.tf").read_text()
    for tag in ("qv:role", "qv:region-role", "qv:patroni-cluster"):
        assert any(tag in k for k in keys), f"inventory does not group on {tag}"
        assert f'"{tag}"' in hosts_tf, f"terraform does not set the tag {tag} the inventory groups on"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_cloud_backends_and_tfvars_target_the_spec(env: str) -> None:
    spec = yaml.safe_load((ROOT / "environments" / f"{env}.yaml").read_text())
    backend = (TF_DIR / "env" / f"{env}.tfbackend").read_text()
    tfvars = (TF_DIR / "env" / f"{env}.tfvars").read_text()
    assert f'region       = "{spec["regions"]["primary"]}"' in backend
    assert spec["account_id"] in backend and "use_lockfile = true" in backend and "encrypt      = true" in backend
    assert f'environment = "{env}"' in tfvars or f'environment                 = "{env}"' in tfvars
    assert "aws_endpoint_url" not in tfvars, "cloud tfvars must talk to real AWS"
    assert not re.search(r"(?i)(password|secret_key|access_key)\s*=", tfvars), "no credentials in tfvars"
