"""Terraform through its CLI: `-json` output parsed for the change summary and the tool's own errors.

The parsing is tested on lines Terraform 1.11 prints, and the wrapper against the real
terraform binary on a tiny root module that needs no provider download (terraform_data).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.terraform import (
    JsonRun,
    Terraform,
    parse_json_line,
)

SUMMARY_NO_CHANGES = (
    '{"@level":"info","@message":"Apply complete! Resources: 0 added, 0 changed, 0 destroyed.",'
    '"@module":"terraform.ui","changes":{"add":0,"change":0,"import":0,"remove":0,"operation":"apply"},'
    '"type":"change_summary"}'
)
SUMMARY_CREATED = (
    '{"@level":"info","@message":"Apply complete! Resources: 76 added, 0 changed, 0 destroyed.",'
    '"changes":{"add":76,"change":0,"import":0,"remove":0,"operation":"apply"},"type":"change_summary"}'
)
DIAGNOSTIC = json.dumps({
    "@level": "error", "@message": "Error: Invalid value for variable", "type": "diagnostic",
    "diagnostic": {"severity": "error", "summary": "Invalid value for variable",
                   "detail": "environment must be one of local,\ndev, staging or prod.",
                   "range": {"filename": "env/local.tfvars", "start": {"line": 2}}},
})


def parse_json_output(text: str) -> JsonRun:
    """A whole run's output, line by line, as qvctl reads it while Terraform runs."""
    run = JsonRun()
    for line in text.splitlines():
        parse_json_line(line, run)
    return run


def test_no_changes_is_read_from_the_change_summary() -> None:
    run = parse_json_output("\n".join(['{"type":"version","@message":"Terraform 1.11.4"}', SUMMARY_NO_CHANGES]))
    assert run.summary.seen and run.summary.no_changes
    assert run.summary.describe() == "no changes"


def test_created_resources_are_counted() -> None:
    run = parse_json_output(SUMMARY_CREATED)
    assert not run.summary.no_changes
    assert run.summary.describe() == "76 added, 0 changed, 0 destroyed"


def test_a_missing_summary_is_not_taken_for_no_changes() -> None:
    run = parse_json_output('{"type":"version","@message":"Terraform 1.11.4"}\nnot json at all')
    assert not run.summary.seen and not run.summary.no_changes


def test_error_diagnostics_keep_terraforms_words_on_one_line() -> None:
    run = parse_json_output(DIAGNOSTIC)
    assert run.errors == [
        "Invalid value for variable (env/local.tfvars:2): environment must be one of local, dev, staging or prod."
    ]


ROOT_MODULE = """
terraform {
  backend "local" {}
}
variable "size" {
  type = number
  validation {
    condition     = var.size > 0
    error_message = "size must be positive."
  }
}
resource "terraform_data" "thing" {
  input = var.size
}
output "size" {
  value = terraform_data.thing.output
}
"""


@pytest.fixture
def module(tmp_path: Path) -> Terraform:
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not installed: `make bootstrap` installs it")
    workdir = tmp_path / "terraform"
    (workdir / "env").mkdir(parents=True)
    (workdir / "main.tf").write_text(ROOT_MODULE)
    (workdir / "env" / "test.tfbackend").write_text(f'path = "{tmp_path / "state.tfstate"}"\n')
    (workdir / "env" / "good.tfvars").write_text("size = 3\n")
    (workdir / "env" / "bad.tfvars").write_text("size = -1\n")
    import os

    ctx = Context(root=tmp_path, environ={k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"})
    return Terraform(ctx, workdir, tmp_path / "tf-data", {}, tmp_path / "logs")


def test_the_real_terraform_plans_applies_the_saved_plan_then_reports_no_changes(module: Terraform,
                                                                                    tmp_path: Path) -> None:
    assert module.init(Path("env/test.tfbackend")) == "initialized"
    plan_file = tmp_path / "test.tfplan"
    first = module.plan(Path("env/good.tfvars"), plan_file)
    assert (first.add, first.no_changes) == (1, False) and plan_file.exists()
    applied = module.apply_plan(plan_file)
    assert (applied.add, applied.describe()) == (1, "1 added, 0 changed, 0 destroyed")
    assert not plan_file.exists(), "an applied plan is removed: it can never be applied twice"
    second = module.plan(Path("env/good.tfvars"), plan_file)
    assert second.no_changes and not plan_file.exists(), "no changes: no plan file is kept"
    assert (module.data_dir / "terraform.tfstate").exists(), "init state lives in our TF_DATA_DIR"
    assert not (module.workdir / ".terraform").exists(), "a person's terraform/.terraform is never touched"


def test_a_broken_tfvars_fails_with_terraforms_own_message(module: Terraform) -> None:
    module.init(Path("env/test.tfbackend"))
    with pytest.raises(QvError) as failed:
        module.plan(Path("env/bad.tfvars"), module.data_dir / "bad.tfplan")
    assert failed.value.message.startswith("terraform plan: Invalid value for variable")
    assert "size must be positive." in failed.value.message
    assert "\n" not in failed.value.message


def test_a_missing_terraform_is_the_doctor_line(tmp_path: Path) -> None:
    ctx = Context(root=tmp_path, environ={"PATH": str(tmp_path / "empty")})
    tf = Terraform(ctx, tmp_path, tmp_path / "d", {}, tmp_path / "logs")
    with pytest.raises(QvError) as missing:
        tf.init(Path("env/x.tfbackend"))
    assert missing.value.status is ExitStatus.MISSING_TOOL
    assert missing.value.message.startswith("terraform is missing (provisions AWS")
    assert "install:" in missing.value.message


def test_plan_then_apply_the_saved_plan_and_a_clean_plan_skips_apply(module: Terraform, tmp_path: Path) -> None:
    module.init(Path("env/test.tfbackend"))
    plan_file = tmp_path / "plans" / "test.tfplan"
    first = module.plan(Path("env/good.tfvars"), plan_file)
    assert (first.add, first.no_changes) == (1, False) and plan_file.exists()
    applied = module.apply_plan(plan_file)
    assert applied.add == 1 and not plan_file.exists(), "the plan file is consumed"
    again = module.plan(Path("env/good.tfvars"), plan_file)
    assert again.no_changes, "Terraform's exit code 0 and its change summary agree: nothing to do"
    assert not plan_file.exists()


def test_a_broken_tfvars_fails_the_plan_with_terraforms_message(module: Terraform, tmp_path: Path) -> None:
    module.init(Path("env/test.tfbackend"))
    with pytest.raises(QvError) as failed:
        module.plan(Path("env/bad.tfvars"), tmp_path / "x.tfplan")
    assert failed.value.message.startswith("terraform plan: Invalid value for variable")
