"""The world a command runs in, injectable so tests never touch the real one.

Commands take a `Context` instead of reading `os.environ`, the current directory or the
PATH themselves; a test builds one over a temporary folder and a fake PATH.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qvctl.exit_status import ExitStatus


class QvError(Exception):
    """An error with a one-line message for the user and the exit status it means."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# Root-owned and traversable by every service user (see Context.state_root).
SYSTEM_STATE_ROOT = Path("/var/lib/qvctl")


def _find_root(start: Path) -> Path | None:
    for candidate in (start, *start.parents):
        if (candidate / "environments").is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Context:
    root: Path
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @classmethod
    def discover(cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Context:
        """The repository holding the current directory, else the one qvctl is installed from."""
        env = dict(os.environ if environ is None else environ)
        if env.get("QV_ROOT"):
            return cls(root=Path(env["QV_ROOT"]).resolve(), environ=env)
        root = _find_root((cwd or Path.cwd()).resolve()) or _find_root(Path(__file__).resolve().parent)
        if root is None:
            raise QvError(
                "cannot find the QuantumVest repository (a folder with environments/ and pyproject.toml); "
                "run qvctl inside it or set QV_ROOT",
                ExitStatus.INVALID_INPUT,
            )
        return cls(root=root, environ=env)

    @property
    def state_root(self) -> Path:
        """Where environments keep what they write at run time (QV_STATE_DIR overrides).

        Not inside the clone: the services run as their own users (postgres, etcd, redis,
        prometheus), and a clone under a private folder (mode 700, as many home folders are) is
        unreachable for them. The state of a checkout lives under /var/lib/qvctl/, named after the
        checkout and a hash of its path so two clones never share it; `.qv` in the clone (git-ignored)
        links to it.
        """
        explicit = self.environ.get("QV_STATE_DIR")
        if explicit:
            return Path(explicit)
        digest = hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:8]
        return SYSTEM_STATE_ROOT / f"{self.root.resolve().name}-{digest}"

    @property
    def state_link(self) -> Path:
        """The clone's `.qv`: a link to `state_root`, so `ls .qv/local/logs` finds the state."""
        return self.root / ".qv"

    def state_dir(self, env_name: str) -> Path:
        return self.state_root / env_name

    @property
    def tools_dir(self) -> Path:
        """Git-ignored folder for tool configuration qvctl generates (e.g. Terraform's CLI config)."""
        return self.root / ".tools"

    def which(self, tool: str) -> str | None:
        return shutil.which(tool, path=self.environ.get("PATH", os.defpath))
