"""Adding an environment is writing one spec file and running one command.

In a copy of the repository: write `environments/qa.yaml`, run `qvctl env scaffold qa`, and the
new environment passes every static gate the four committed ones pass: the spec check, the
scaffold check, Kubernetes rendering (and `render --check`), `terraform validate`, and a
mock-provider plan of the whole root module for `qa`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.terraform_support import EMULATOR_KEYS, ROOT, Workdir

pytestmark = pytest.mark.slow

QA_MOCK_TEST = """
# Written by the test: the root module planned for qa with mocked providers.
mock_provider "aws" {
  source = "./tests/mocks"
}
mock_provider "aws" {
  alias  = "dr"
  source = "./tests/mocks"
}
provider "aws" {
  alias                       = "secrets_generator"
  region                      = "eu-west-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variables {
  environment            = "qa"
  generate_secret_values = false
  # What `qvctl up qa` passes: the environment CA its pods will trust.
  environment_ca_certificate_file = "tests/fixtures/environment-ca.crt"
}

run "qa_plans_from_its_spec_alone" {
  command = plan

  assert {
    condition     = output.environment == "qa" && output.secret_names.database_app == "quantumvest/qa/database/app"
    error_message = "qa is named after its spec"
  }
}
"""


def _copy_repository(target: Path) -> None:
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def _qvctl(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qvctl", *args], cwd=repo, capture_output=True, text=True,
                          timeout=600, check=False, env={"QV_ROOT": str(repo), "PATH": "/usr/bin:/bin",
                                                         "COLUMNS": "200"})


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("qa") / "repo"
    _copy_repository(repo)
    spec = yaml.safe_load((repo / "environments" / "staging.yaml").read_text())
    spec["name"] = "qa"
    spec["account_id"] = "444444444444"
    spec["domain"] = "qa.quantumvest.example.com"
    text = yaml.safe_dump(spec, sort_keys=False)
    # Its own address space: no two environments may overlap.
    text = text.replace("10.30.", "10.70.").replace("10.31.", "10.71.")
    assert "10.70." in text and "10.30." not in text, "staging's address space moved; adjust the test"
    (repo / "environments" / "qa.yaml").write_text(text)
    return repo


def test_the_spec_alone_describes_a_valid_environment(repo: Path) -> None:
    done = _qvctl(repo, "env", "check", "qa")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: qa (qa, cloud, staging,")


def test_one_command_makes_its_terraform_and_ansible_files(repo: Path) -> None:
    made = _qvctl(repo, "env", "scaffold", "qa")
    assert made.returncode == 0, made.stderr
    for path in ("terraform/env/qa.tfbackend", "terraform/env/qa.tfvars", "ansible/inventories/qa/aws_ec2.yml",
                 "ansible/inventories/qa/group_vars/all.yml"):
        assert (repo / path).is_file(), f"{path} was not made"
    checked = _qvctl(repo, "env", "scaffold", "--check")
    assert checked.returncode == 0, checked.stderr


def test_its_manifests_render_and_stay_current(repo: Path) -> None:
    rendered = _qvctl(repo, "render", "qa")
    assert rendered.returncode == 0, rendered.stderr
    assert len(list((repo / "kubernetes" / "qa").glob("*.yaml"))) == len(list((ROOT / "kubernetes" / "dev").glob(
        "*.yaml")))
    stale = _qvctl(repo, "render", "--check")
    assert stale.returncode == 0, stale.stderr


def test_terraform_validates_and_plans_it_with_mocked_providers(repo: Path, tmp_path: Path) -> None:
    terraform = repo / "terraform"
    (terraform / "tests" / "qa.tftest.hcl").write_text(QA_MOCK_TEST)
    keys = {**EMULATOR_KEYS, "AWS_DEFAULT_REGION": "eu-west-1"}
    work = Workdir(terraform, tmp_path / "data", tmp_path / "tools", keys)
    work.init("-backend=false")
    assert "Success" in work.run("validate", "-no-color", "-no-tests").stdout
    done = work.run("test", "-no-color", "-filter=tests/qa.tftest.hcl", check=False, timeout=600)
    assert done.returncode == 0 and "1 passed, 0 failed" in done.stdout, done.stdout[-4000:] + done.stderr[-2000:]
