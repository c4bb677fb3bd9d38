"""The reviewed plan: the summary of a real saved plan, its record beside it, and the approval gate.

The plan is made by the real terraform binary on a root module of terraform_data resources (no
provider download, a few seconds): one resource is updated, one replaced, one destroyed and one
created, and the summary's counts must equal the line Terraform itself prints for that plan file.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.approval import Approval
from qvctl.platform.plan_summary import PlanSummary, markdown, show, summarize
from qvctl.platform.saved_plan import SavedPlan, refuse_if_stale
from qvctl.platform.terraform import Terraform

BEFORE = """
terraform {
  backend "local" {}
}
resource "terraform_data" "updated" {
  input = "one"
}
resource "terraform_data" "replaced" {
  triggers_replace = "one"
}
resource "terraform_data" "removed" {
  input = "gone soon"
}
"""
AFTER = """
terraform {
  backend "local" {}
}
resource "terraform_data" "updated" {
  input = "two"
}
resource "terraform_data" "replaced" {
  triggers_replace = "two"
}
resource "terraform_data" "added" {
  input = "new"
}
"""


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Terraform, Path, dict[str, object]]:
    """A saved plan of AFTER over the applied BEFORE, and its `terraform show -json` document."""
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not installed: `make bootstrap` installs it")
    tmp = tmp_path_factory.mktemp("plan")
    workdir = tmp / "terraform"
    (workdir / "env").mkdir(parents=True)
    (workdir / "env" / "test.tfbackend").write_text(f'path = "{tmp / "state.tfstate"}"\n')
    (workdir / "env" / "test.tfvars").write_text("")
    ctx = Context(root=tmp, environ={k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"})
    terraform = Terraform(ctx, workdir, tmp / "tf-data", {}, tmp / "logs")
    (workdir / "main.tf").write_text(BEFORE)
    terraform.init(Path("env/test.tfbackend"))
    terraform.apply_plan(_plan(terraform, tmp / "first.tfplan"))
    (workdir / "main.tf").write_text(AFTER)
    plan_file = _plan(terraform, tmp / "second.tfplan")
    return terraform, plan_file, terraform.show_plan(plan_file)


def _plan(terraform: Terraform, plan_file: Path) -> Path:
    terraform.plan(Path("env/test.tfvars"), plan_file)
    return plan_file


def _terraforms_own_counts(terraform: Terraform, plan_file: Path) -> tuple[int, int, int]:
    binary = shutil.which("terraform")
    assert binary is not None
    import subprocess

    text = subprocess.run(
        [binary, "show", "-no-color", str(plan_file)],
        cwd=terraform.workdir,
        env=terraform.environ(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.", text)
    assert found, text[-2000:]
    add, change, destroy = (int(n) for n in found.groups())
    return add, change, destroy


def test_the_counts_are_terraforms_own(planned: tuple[Terraform, Path, dict[str, object]]) -> None:
    terraform, plan_file, document = planned
    summary = summarize(document)
    assert (summary.add, summary.change, summary.destroy) == _terraforms_own_counts(terraform, plan_file)


def test_each_change_is_named_with_its_action(planned: tuple[Terraform, Path, dict[str, object]]) -> None:
    summary = summarize(planned[2])
    assert {(c.address, c.action) for c in summary.changes} == {
        ("terraform_data.updated", "update"),
        ("terraform_data.replaced", "replace"),
        ("terraform_data.removed", "delete"),
        ("terraform_data.added", "create"),
    }
    replaced = next(c for c in summary.changes if c.action == "replace")
    assert replaced.because == ("triggers_replace",), "the attribute that forces the replacement is named"
    assert sorted(c.address for c in summary.dangerous()) == ["terraform_data.removed", "terraform_data.replaced"]


def test_destroys_and_replacements_are_red_on_a_terminal(planned: tuple[Terraform, Path, dict[str, object]]) -> None:
    console = Console(record=True, force_terminal=True, color_system="standard", width=160)
    show(summarize(planned[2]), "dev", console)
    lines = console.export_text(styles=True).splitlines()

    def row(address: str) -> str:
        return next(line for line in lines if address in line and "│" in line)

    red = "\x1b[1;31m"
    assert red + "terraform_data.replaced" in row("terraform_data.replaced")
    assert red + "terraform_data.removed" in row("terraform_data.removed")
    assert red not in row("terraform_data.added") and red not in row("terraform_data.updated")
    assert any(red in line and "will be destroyed or replaced" in line for line in lines)


def test_the_markdown_summary_puts_destroys_and_replacements_first_in_bold(
    planned: tuple[Terraform, Path, dict[str, object]],
) -> None:
    text = markdown(summarize(planned[2]), "dev")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert [row.split("`")[1] for row in rows] == [
        "terraform_data.removed", "terraform_data.replaced", "terraform_data.updated", "terraform_data.added"]
    assert rows[0].startswith("| **delete** |") and rows[1].startswith("| **replace** |")
    assert "triggers_replace forces replacement" in rows[1] and "**" not in rows[2] + rows[3]
    assert text.startswith("### dev: 2 to add, 1 to change, 2 to destroy (1 replaced)")
    assert "**2 resource(s) will be destroyed or replaced.**" in text
    assert markdown(summarize({}), "prod") == "### prod: no changes\n"


def test_the_record_round_trips_and_a_changed_input_is_named(tmp_path: Path) -> None:
    plan_file = tmp_path / "dev.tfplan"
    plan_file.write_bytes(b"plan")
    summary = PlanSummary.from_dict({"changes": [{"address": "a.b", "action": "replace", "because": ["ami"]}]})
    SavedPlan(plan_file).write("dev", summary, {"terraform/main.tf": "1", "environments/dev.yaml": "2"})
    again, inputs = SavedPlan(plan_file).read("dev")
    assert again == summary and again.describe() == "1 to add, 0 to change, 1 to destroy (1 replaced)"
    refuse_if_stale("dev", inputs, {"terraform/main.tf": "1", "environments/dev.yaml": "2"})
    with pytest.raises(QvError) as stale:
        refuse_if_stale("dev", inputs, {"terraform/main.tf": "1", "environments/dev.yaml": "3"})
    assert "environments/dev.yaml changed since it was made" in stale.value.message
    with pytest.raises(QvError) as foreign:
        SavedPlan(plan_file).read("prod")
    assert "a plan of 'dev', not of prod" in foreign.value.message


def test_a_missing_or_consumed_plan_is_refused(tmp_path: Path) -> None:
    with pytest.raises(QvError) as missing:
        SavedPlan(tmp_path / "dev.tfplan").read("dev")
    assert missing.value.status is ExitStatus.INVALID_INPUT and "run qvctl plan dev first" in missing.value.message
    summary = PlanSummary.from_dict({"changes": [{"address": "a.b", "action": "create"}]})
    SavedPlan(tmp_path / "dev.tfplan").write("dev", summary, {})
    with pytest.raises(QvError) as gone:
        SavedPlan(tmp_path / "dev.tfplan").read("dev")
    assert "is gone (applied already?)" in gone.value.message


CHANGES = PlanSummary.from_dict({"changes": [{"address": "a.b", "action": "delete"}]})


def test_yes_approves_without_asking() -> None:
    asked: list[str] = []
    Approval(yes=True, interactive=False, ask=lambda q: asked.append(q) or False).confirm("dev", CHANGES, Console())
    assert asked == []


def test_no_terminal_and_no_yes_refuses_in_one_line() -> None:
    with pytest.raises(QvError) as refused:
        Approval(yes=False, interactive=False).confirm("dev", CHANGES, Console())
    assert refused.value.status is ExitStatus.INVALID_INPUT
    assert "\n" not in refused.value.message and "--yes" in refused.value.message


def test_a_person_is_asked_and_no_means_not_applied() -> None:
    asked: list[str] = []
    with pytest.raises(QvError) as declined:
        Approval(yes=False, interactive=True, ask=lambda q: asked.append(q) or False).confirm("dev", CHANGES, Console())
    assert asked == ["Apply these changes to dev?"] and "not applied" in declined.value.message
    Approval(yes=False, interactive=True, ask=lambda q: True).confirm("dev", CHANGES, Console())


def test_nothing_to_approve_when_nothing_changes() -> None:
    Approval(yes=False, interactive=False).confirm("dev", PlanSummary(), Console())
