"""The locks pip installs with --require-hashes: every file hashed, every version written once.

requirements.lock (the repository's venv) holds every version; services/api/requirements.lock (the
API image) and services/api/build-requirements.lock (the image's build backend) are derived from it
by `make lock`, and services/api/pyproject.toml pins the API's direct dependencies. These tests keep
the four in agreement, and the image's lock exactly the API's dependency closure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT
from tests.lock_support import dependency_closure, pyproject_pins, read_lock

ROOT_LOCK = ROOT / "requirements.lock"
API = ROOT / "services" / "api"
API_LOCK = API / "requirements.lock"
BUILD_LOCK = API / "build-requirements.lock"
LOCKS = [ROOT_LOCK, API_LOCK, BUILD_LOCK]
# The interpreter of the image (services/api/Dockerfile's base image), where the lock's markers apply.
IMAGE_PYTHON = {
    "python_version": "3.11",
    "python_full_version": "3.11.11",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
}


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("lock", LOCKS, ids=_relative)
def test_every_requirement_has_a_sha256_for_its_files(lock: Path) -> None:
    entries = read_lock(lock)
    assert entries, f"{_relative(lock)} pins nothing"
    unhashed = [f"{_relative(lock)}:{e.line} {e.name}" for e in entries.values() if not e.hashes]
    assert unhashed == [], "run `make lock`: pip --require-hashes refuses these"


@pytest.mark.parametrize("lock", [API_LOCK, BUILD_LOCK], ids=_relative)
def test_the_image_locks_pin_what_the_root_lock_pins(lock: Path) -> None:
    root = read_lock(ROOT_LOCK)
    derived = read_lock(lock)
    differ = {
        name: (e.version, root[name].version if name in root else None)
        for name, e in derived.items()
        if name not in root or root[name].version != e.version
    }
    assert differ == {}, f"{_relative(lock)} vs requirements.lock (run `make lock`)"
    # The same version has the same files: a hash only one lock knows is a file the other would refuse.
    assert {n: e.hashes for n, e in derived.items()} == {n: root[n].hashes for n in derived}


def test_the_api_lock_pins_the_versions_of_the_api_pyproject() -> None:
    locked = read_lock(API_LOCK)
    pins = pyproject_pins(API / "pyproject.toml")
    assert {name: locked[name].version if name in locked else None for name in pins} == {
        name: version for name, (version, _) in pins.items()
    }


def test_the_api_lock_is_exactly_the_api_dependency_closure_in_the_image() -> None:
    pins = pyproject_pins(API / "pyproject.toml")
    roots = [
        Requirement(f"{name}[{','.join(sorted(extras))}]" if extras else name) for name, (_, extras) in pins.items()
    ]
    assert set(read_lock(API_LOCK)) == dependency_closure(roots, IMAGE_PYTHON)


def test_the_dockerfile_installs_only_from_the_hashed_locks() -> None:
    text = (API / "Dockerfile").read_text().replace("\\\n", " ")
    fetches = re.compile(r"\bpip\b.*\b(install|wheel|download)\b")
    commands = [
        part.strip()
        for line in text.splitlines()
        if line.startswith("RUN ")
        for part in line.removeprefix("RUN ").split("&&")
        if fetches.search(part)
    ]
    assert len(commands) >= 3, commands  # the build backend, the API's dependencies, the API itself
    for command in commands:
        # Either from a hashed lock, or offline (the API's own wheel from the build context): never the index unchecked.
        from_lock = "--require-hashes" in command and "--no-deps" in command and re.search(r"-r \S+\.lock\b", command)
        offline = "--no-index" in command and "--no-deps" in command
        assert from_lock or offline, command
    assert "COPY requirements.lock build-requirements.lock ./" in text
