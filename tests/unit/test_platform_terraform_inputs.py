"""The fingerprint of what Terraform reads: it must change with every input and with the state, and only then."""

from __future__ import annotations

import shutil
from pathlib import Path

from qvctl.platform.terraform_inputs import fingerprint, terraform_inputs

from ..conftest import ROOT


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "terraform", root / "terraform", ignore=shutil.ignore_patterns(".terraform"))
    shutil.copytree(ROOT / "environments", root / "environments")
    return root


def test_the_inputs_are_the_configuration_the_environments_files_and_the_specs(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    names = {str(p.relative_to(root)) for p in terraform_inputs(root, "local")}
    assert {"terraform/main.tf", "terraform/modules/region/main.tf", "terraform/.terraform.lock.hcl",
            "terraform/env/local.tfvars", "terraform/env/local.tfbackend", "environments/local.yaml",
            "environments/shared/ports.yaml"} <= names
    assert not any(n.startswith(("terraform/tests/", "terraform/bootstrap/")) for n in names)
    assert "environments/dev.yaml" not in names and "terraform/env/dev.tfvars" not in names


def test_every_input_and_the_state_change_the_fingerprint(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = fingerprint(root, "local", "etag-1")
    assert fingerprint(root, "local", "etag-1") == before, "the same inputs give the same fingerprint"
    assert fingerprint(root, "local", "etag-2") != before, "another apply (a new state) must re-plan"
    assert fingerprint(root, "local", None) != before, "no state (a fresh emulator) must re-plan"
    for changed in ("terraform/modules/storage/main.tf", "terraform/env/local.tfvars", "environments/local.yaml",
                    "environments/shared/ports.yaml"):
        path = root / changed
        original = path.read_text()
        path.write_text(original + "\n# changed\n")
        assert fingerprint(root, "local", "etag-1") != before, f"{changed} changed but the fingerprint did not"
        path.write_text(original)
    (root / "terraform" / "tests" / "storage.tftest.hcl").write_text("# tests are not what Terraform applies\n")
    (root / "environments" / "dev.yaml").write_text("# another environment\n")
    assert fingerprint(root, "local", "etag-1") == before
