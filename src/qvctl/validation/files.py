"""The repository's files and their content hashes, as the cache keys of `qvctl validate` see them.

The files are what git would commit (tracked plus untracked-but-not-ignored), so a build folder or
a virtualenv never invalidates a result; a folder that is not a git checkout (a test's copy) is
walked instead, without the folders git ignores here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import subprocess
import threading
from pathlib import Path

# Never inputs of a check: tool state and caches (the same folders .gitignore names).
_NOT_INPUTS = {
    ".git",
    ".venv",
    ".tools",
    ".qv",
    ".terraform",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "node_modules",
}


def _walk(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _NOT_INPUTS and not d.endswith(".egg-info")]
        relative = Path(folder).relative_to(root)
        found.extend((relative / name).as_posix() for name in files)
    return found


def repository_files(root: Path) -> list[str]:
    """Every file of the working tree git would see, as POSIX paths relative to `root`, sorted."""
    done = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    names = done.stdout.split("\0") if done.returncode == 0 else _walk(root)
    # A tracked file deleted in the working tree is not an input any more; tool state (the cache
    # itself) never is one, even where no .gitignore says so.
    return sorted(
        {name for name in names if name and not _NOT_INPUTS.intersection(name.split("/")) and (root / name).is_file()}
    )


class FileIndex:
    """The files of one run and their sha256, each file read at most once however many checks need it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = repository_files(root)
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def matching(self, patterns: tuple[str, ...]) -> list[str]:
        """The files matching any pattern (fnmatch over the repository path: `*` crosses folders)."""
        return [name for name in self.files if any(fnmatch.fnmatchcase(name, p) for p in patterns)]

    def digest(self, name: str) -> str:
        with self._lock:
            known = self._digests.get(name)
        if known is None:
            known = hashlib.sha256((self.root / name).read_bytes()).hexdigest()
            with self._lock:
                self._digests[name] = known
        return known
