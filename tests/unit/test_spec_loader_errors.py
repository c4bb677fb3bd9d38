"""Every way a spec file or the shared ports file can be unusable gives one line naming the file and why.

These call the loader in-process (the CLI tests run it in a subprocess): the file is shown relative
to the repository it was loaded for, and the shared ports come from that repository.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from qvctl.spec import SpecError, load_environment, loader, spec_path
from qvctl.spec.loader import parse_environment, shared_ports

from ..conftest import ROOT

PROD = yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text())
PORTS_FILE = "environments/shared/ports.yaml"


def _problems(path: Path, root: Path | None = None) -> tuple[str, ...]:
    with pytest.raises(SpecError) as caught:
        load_environment(path, root)
    return caught.value.problems


def _repository(tmp_path: Path, ports: dict[str, Any] | None = None) -> Path:
    """A repository with the committed shared ports (or the given ones) and an empty environments/."""
    shared = tmp_path / "environments" / "shared"
    shared.mkdir(parents=True)
    if ports is None:
        shutil.copy(ROOT / PORTS_FILE, shared / "ports.yaml")
    else:
        (shared / "ports.yaml").write_text(yaml.safe_dump({"ports": ports}))
    return tmp_path


def _spec_file(folder: Path, file_name: str, spec: dict[str, Any] = PROD) -> Path:
    path = folder / file_name
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_missing_spec_is_named_relative_to_its_repository(tmp_path):
    root = _repository(tmp_path)
    assert _problems(root / "environments" / "qa.yaml", root) == ("environments/qa.yaml: no such spec file",)


def test_a_spec_outside_the_repository_is_named_as_given(tmp_path):
    root = _repository(tmp_path / "repo")
    outside = tmp_path / "elsewhere" / "qa.yaml"
    assert _problems(outside, root) == (f"{outside}: no such spec file",)


def test_a_spec_that_is_not_utf8_is_one_line(tmp_path):
    root = _repository(tmp_path)
    path = root / "environments" / "prod.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert _problems(path, root) == ("environments/prod.yaml: is not UTF-8 text",)


def test_a_spec_that_cannot_be_read_gives_the_system_reason(tmp_path):
    root = _repository(tmp_path)
    (root / "environments" / "prod.yaml").mkdir()
    assert _problems(root / "environments" / "prod.yaml", root) == (
        "environments/prod.yaml: cannot be read (Is a directory)",
    )


def test_the_spec_is_completed_with_its_own_repository_ports(tmp_path):
    """A repository whose shared ports give prometheus the API's port: the spec loaded for it is refused."""
    api_port = PROD["application"]["port"]
    ports = {**yaml.safe_load((ROOT / PORTS_FILE).read_text())["ports"], "prometheus": api_port}
    root = _repository(tmp_path, ports)
    path = _spec_file(root / "environments", "prod.yaml")
    assert _problems(path, root) == (
        f"environments/prod.yaml: application.port: {api_port} is the port of another platform service",
    )
    assert load_environment(path).application.port == api_port  # qvctl's own ports do not clash


@pytest.mark.parametrize("file_name", ["dev.yaml", "dev.yml"])
def test_a_spec_file_must_be_named_after_its_environment(tmp_path, file_name):
    root = _repository(tmp_path)
    path = _spec_file(root / "environments", file_name)
    assert _problems(path, root) == (f"environments/{file_name}: name: 'prod' does not match the file name 'dev'",)


@pytest.mark.parametrize("file_name", ["prod-copy.json", "Draft.yaml"])
def test_a_file_no_tool_finds_by_name_may_hold_any_environment(tmp_path, file_name):
    """Terraform and Ansible find `<name>.yaml`/`.yml` only: other files are free copies (a review draft)."""
    root = _repository(tmp_path)
    assert load_environment(_spec_file(root, file_name), root).name == "prod"


def test_a_name_is_a_spec_in_environments_and_anything_else_a_path(tmp_path):
    assert spec_path(tmp_path, "qa") == tmp_path / "environments" / "qa.yaml"
    assert spec_path(tmp_path, "drafts/qa.yaml") == Path("drafts/qa.yaml")
    assert spec_path(tmp_path, "QA") == Path("QA")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A character YAML refuses to read has no line or column to point at.
        ("name: \x00\n", "x.yaml: is not valid YAML"),
        ("[" * 1000 + "]" * 1000, "x.yaml: cannot be read as YAML (RecursionError)"),
    ],
)
def test_yaml_that_cannot_be_parsed_is_one_line(text, expected):
    with pytest.raises(SpecError) as caught:
        parse_environment(text, "x.yaml")
    assert caught.value.problems == (expected,)


def test_a_spec_may_not_set_the_shared_ports():
    spec = {**copy.deepcopy(PROD), "ports": {"https": 8443}}
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), "x.yaml")
    assert caught.value.problems == (
        f"x.yaml: ports: service ports are shared by every environment; change them in {PORTS_FILE}",
    )


def test_a_host_group_name_that_breaks_the_pattern_is_named_once_in_the_path():
    spec = copy.deepcopy(PROD)
    spec["hosts"]["Bastion"] = spec["hosts"].pop("observability")
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), "x.yaml")
    assert caught.value.problems == (
        "x.yaml: hosts.Bastion: 'Bastion': string should match pattern '^[a-z][a-z0-9_]{0,30}$'",
    )


def test_a_block_of_the_wrong_shape_is_not_echoed_back():
    """A list where a mapping belongs: the reason alone, not the whole list before it."""
    spec = copy.deepcopy(PROD)
    spec["application"]["replicas"] = [3, 9]
    with pytest.raises(SpecError) as caught:
        parse_environment(yaml.safe_dump(spec), "x.yaml")
    assert caught.value.problems == (
        "x.yaml: application.replicas: Input should be a valid dictionary or instance of Replicas",
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, f"{PORTS_FILE}: cannot be read (Is a directory)"),
        (b"ports: {https: 443} # caf\xe9\n", f"{PORTS_FILE}: is not UTF-8 text"),
        ("ports: [\n", f"{PORTS_FILE}: is not valid YAML"),
        ("- 443\n", f"{PORTS_FILE}: must hold a mapping 'ports'"),
        ("ports: [443, 80]\n", f"{PORTS_FILE}: must hold a mapping 'ports'"),
    ],
    ids=["a_folder", "latin1", "broken_yaml", "a_list", "ports_a_list"],
)
def test_an_unusable_shared_ports_file_is_one_line(tmp_path, content, expected):
    target = tmp_path / PORTS_FILE
    target.parent.mkdir(parents=True)
    if content is None:
        target.mkdir()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    with pytest.raises(SpecError) as caught:
        shared_ports(tmp_path)
    assert caught.value.problems == (expected,)


def test_qvctl_installed_outside_a_repository_says_where_it_looked_for_the_ports(tmp_path, monkeypatch):
    """A wheel install has no environments/ above it: one line naming the file and the folder searched."""
    package = tmp_path / "site-packages" / "qvctl" / "spec"
    monkeypatch.setattr(loader, "__file__", str(package / "loader.py"))
    with pytest.raises(SpecError) as caught:
        shared_ports()
    assert caught.value.problems == (f"cannot find {PORTS_FILE} above {package}",)
