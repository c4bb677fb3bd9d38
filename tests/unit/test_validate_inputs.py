"""What a cache key of `qvctl validate` reads: the files git would commit, their hashes, the tools' versions."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from qvctl.context import Context
from qvctl.validation.files import FileIndex
from qvctl.validation.versions import ToolVersions
from tests.terraform_support import checkov_binary


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _write(root: Path, name: str, text: str = "x\n") -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


def test_the_inputs_of_a_checkout_are_the_files_git_would_commit(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    for name in (".gitignore", "tracked.txt", "gone.txt", "new folder/with space.txt", "build.log", ".tools/x.json"):
        _write(tmp_path, name)
    (tmp_path / ".gitignore").write_text("*.log\n")  # .tools is left out of it on purpose
    _git(tmp_path, "add", ".gitignore", "tracked.txt", "gone.txt")
    (tmp_path / "gone.txt").unlink()  # tracked, deleted in the working tree
    assert FileIndex(tmp_path).files == [".gitignore", "new folder/with space.txt", "tracked.txt"]


def test_a_folder_outside_git_is_walked_without_tool_state_or_build_metadata(tmp_path: Path) -> None:
    for name in ("a.py", "pkg/b.py", "pkg.egg-info/PKG-INFO", ".venv/bin/python", "pkg/__pycache__/b.pyc"):
        _write(tmp_path, name)
    assert FileIndex(tmp_path).files == ["a.py", "pkg/b.py"]


def test_a_file_is_hashed_once_per_run_as_it_was_first_read(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", "first\n")
    index = FileIndex(tmp_path)
    first = index.digest("a.txt")
    (tmp_path / "a.txt").write_text("second\n")
    assert first == hashlib.sha256(b"first\n").hexdigest()
    assert index.digest("a.txt") == first


def test_a_package_beside_qvctl_answers_with_the_version_it_prints() -> None:
    ruff = Path(sys.executable).parent / "ruff"  # installed beside the interpreter running qvctl
    printed = subprocess.run([str(ruff), "--version"], capture_output=True, text=True, check=True)
    versions = ToolVersions(Context(root=Path("."), environ={}))
    assert printed.stdout.split() == ["ruff", versions.of("ruff")]


def test_a_tool_in_its_own_virtualenv_answers_with_the_version_installed_there(tmp_path: Path) -> None:
    checkov = Path(checkov_binary())
    asked = subprocess.run(
        [str(checkov.parent / "python"), "-c", "import importlib.metadata as m; print(m.version('checkov'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    ctx = Context(root=tmp_path, environ={"PATH": str(checkov.parent)})
    assert ToolVersions(ctx).of("checkov") == asked.stdout.strip()


def test_a_tool_outside_a_virtualenv_answers_from_its_version_command_once_per_run(tmp_path: Path) -> None:
    printed = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, check=True)
    versions = ToolVersions(Context(root=tmp_path, environ=dict(os.environ)))
    expected = json.loads(printed.stdout)["terraform_version"]
    assert [versions.of("terraform"), versions.of("terraform")] == [expected, expected]


def test_a_tool_that_is_not_installed_has_no_version(tmp_path: Path) -> None:
    versions = ToolVersions(Context(root=tmp_path, environ={"PATH": str(tmp_path / "nothing")}))
    assert (versions.of("terraform"), versions.of("no-such-distribution-anywhere")) == (None, None)


def test_a_tool_in_the_projects_own_virtualenv_is_not_run_to_learn_its_version(tmp_path: Path) -> None:
    venv = tmp_path / ".tools" / "checkov"
    (venv / "lib" / "python3.11" / "site-packages" / "checkov-3.2.1.dist-info").mkdir(parents=True)
    (venv / "bin").mkdir()
    # Asking Checkov itself takes seconds: here it would answer nothing at all.
    (venv / "bin" / "checkov").write_text("#!/bin/sh\nexit 1\n")
    (venv / "bin" / "checkov").chmod(0o755)
    ctx = Context(root=tmp_path, environ={"PATH": str(tmp_path / "nothing")})
    assert ToolVersions(ctx).of("checkov") == "3.2.1"
