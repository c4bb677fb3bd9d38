"""Reading the hashed locks (`make lock`) and the pins they must agree with, for the supply-chain tests.

A lock entry is pip's requirement-file syntax: `name==version [; marker]`, then one
`--hash=sha256:<hex>` per file of that version, continued over lines with a backslash.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Locked:
    name: str  # canonical (PEP 503)
    version: str
    hashes: frozenset[str]
    marker: Marker | None
    line: int


def _entries(text: str) -> list[tuple[int, str]]:
    """Each requirement with its continuation lines joined, and the line it starts on."""
    entries: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not stripped:
            continue
        if not pending:
            start = number
        pending.append(stripped.removesuffix("\\").strip())
        if not stripped.endswith("\\"):
            entries.append((start, " ".join(pending)))
            pending = []
    if pending:
        entries.append((start, " ".join(pending)))
    return entries


def read_lock(path: Path) -> dict[str, Locked]:
    locked: dict[str, Locked] = {}
    for line, entry in _entries(path.read_text()):
        requirement_text = entry.split(" --hash=", 1)[0]
        requirement = Requirement(requirement_text)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{path.name}:{line}: {requirement_text!r} is not pinned to one version"
        )
        name = canonicalize_name(requirement.name)
        locked[name] = Locked(name, specifiers[0].version, frozenset(HASH.findall(entry)), requirement.marker, line)
    return locked


def pyproject_pins(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """name -> (the pinned version, the extras asked for) of a pyproject's runtime dependencies."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for text in tomllib.loads(path.read_text())["project"]["dependencies"]:
        requirement = Requirement(text)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {text!r} is not an exact pin"
        pins[canonicalize_name(requirement.name)] = (specifier.version, frozenset(requirement.extras))
    return pins


def dependency_closure(roots: list[Requirement], environment: dict[str, str]) -> set[str]:
    """Every distribution `roots` need where markers evaluate in `environment`, from the installed metadata.

    The installed versions are the root lock's (bootstrap installs them), so their declared
    dependencies are the ones the API image gets."""
    needed: set[str] = set()
    queue = [(requirement, "") for requirement in roots]
    seen: set[tuple[str, str]] = set()
    while queue:
        requirement, extra = queue.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({**environment, "extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        for wanted in ("", *sorted(requirement.extras)):
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            needed.add(name)
            for declared in importlib.metadata.requires(name) or []:
                queue.append((Requirement(declared), wanted))
    return needed
