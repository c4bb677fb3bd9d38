"""Which environments exist (the files in environments/), and how a command turns a name into a spec.

Each test builds its own repository from copies of the committed specs, so what exists is what
the test put there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.spec import SpecError, cloud_environments, environment_names, require_environment

from ..conftest import ROOT


def _repository(tmp_path: Path, *names: str) -> Path:
    """A repository holding the shared ports and the committed specs of `names`."""
    shutil.copytree(ROOT / "environments" / "shared", tmp_path / "environments" / "shared")
    for name in names:
        shutil.copy(ROOT / "environments" / f"{name}.yaml", tmp_path / "environments" / f"{name}.yaml")
    return tmp_path


def _refusal(root: Path, name_or_path: str) -> QvError:
    with pytest.raises(QvError) as caught:
        require_environment(Context(root=root), name_or_path)
    return caught.value


def test_the_environments_are_the_yaml_files_in_name_order(tmp_path):
    root = _repository(tmp_path, "staging", "dev", "local")
    (root / "environments" / "notes.md").write_text("not a spec")
    (root / "environments" / "old.yml.bak").write_text("not a spec")
    assert environment_names(root) == ["dev", "local", "staging"]


def test_a_repository_without_specs_has_no_environments(tmp_path):
    assert environment_names(_repository(tmp_path)) == []


def test_a_name_gives_its_valid_spec(tmp_path):
    root = _repository(tmp_path, "dev", "local")
    assert require_environment(Context(root=root), "local").kind == "local"


def test_an_unknown_name_lists_the_environments_that_exist(tmp_path):
    root = _repository(tmp_path, "staging", "dev")
    refused = _refusal(root, "qa")
    assert refused.status == ExitStatus.INVALID_INPUT
    assert str(refused) == "environments/qa.yaml: no such spec file; environments: dev, staging"


def test_an_unknown_name_in_a_repository_without_specs_says_only_what_is_missing(tmp_path):
    refused = _refusal(_repository(tmp_path), "qa")
    assert (refused.status, str(refused)) == (ExitStatus.INVALID_INPUT, "environments/qa.yaml: no such spec file")


def test_a_missing_path_is_not_answered_with_the_environment_list(tmp_path):
    root = _repository(tmp_path / "repo", "dev")
    missing = tmp_path / "drafts" / "qa.yaml"
    refused = _refusal(root, str(missing))
    assert (refused.status, str(refused)) == (ExitStatus.INVALID_INPUT, f"{missing}: no such spec file")


def test_an_invalid_spec_gives_every_problem_on_its_own_line(tmp_path):
    root = _repository(tmp_path, "dev")
    spec = yaml.safe_load((root / "environments" / "dev.yaml").read_text())
    spec["application"]["port"] = 80
    spec["cache"]["replicas"] = 99
    (root / "environments" / "dev.yaml").write_text(yaml.safe_dump(spec))
    refused = _refusal(root, "dev")
    assert refused.status == ExitStatus.INVALID_INPUT
    assert str(refused).splitlines() == [
        "environments/dev.yaml: application.port: 80: input should be greater than or equal to 1024",
        "environments/dev.yaml: cache.replicas: 99: input should be less than or equal to 5",
    ]


def test_the_cloud_environments_are_the_cloud_specs_in_name_order(tmp_path):
    root = _repository(tmp_path, "staging", "local", "dev")
    assert [env.name for env in cloud_environments(root)] == ["dev", "staging"]


def test_a_broken_spec_is_reported_not_left_out_of_the_cloud_environments(tmp_path):
    root = _repository(tmp_path, "dev")
    (root / "environments" / "staging.yaml").write_text("- not a mapping\n")
    with pytest.raises(SpecError) as caught:
        cloud_environments(root)
    assert caught.value.problems == (
        "environments/staging.yaml: the spec must be a mapping of fields, but the file is a list",
    )
