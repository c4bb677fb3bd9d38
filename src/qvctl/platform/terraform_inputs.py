"""Everything Terraform reads for one environment, as one fingerprint.

A warm `qvctl up` skips `terraform plan` when the fingerprint equals the one recorded after the
last plan that found nothing (or the last apply): the configuration, the lock file, the
environment's tfvars and backend file, its spec and the shared spec files, and the state object
itself (its ETag changes with every apply, by qvctl or by hand, and vanishes with the emulator).
What it cannot see is a change made behind Terraform's back in the cloud or the emulator: that
is drift, for `terraform plan` itself, which `qvctl up --refresh` always runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path


def terraform_inputs(root: Path, env: str) -> list[Path]:
    """The files Terraform reads for `env` (never its tests or working folders), in a stable order."""
    terraform = root / "terraform"
    config = [p for p in terraform.rglob("*.tf")
              if p.relative_to(terraform).parts[0] not in ("tests", "bootstrap", ".terraform")]
    files = [*config, terraform / ".terraform.lock.hcl", terraform / "env" / f"{env}.tfvars",
             terraform / "env" / f"{env}.tfbackend", root / "environments" / f"{env}.yaml",
             *sorted((root / "environments" / "shared").glob("*.yaml"))]
    return sorted({p for p in files if p.is_file()})


def fingerprint(root: Path, env: str, state_version: str | None, extra: Sequence[Path] = ()) -> str:
    """`extra`: files outside the repository that Terraform reads through a variable (the environment CA)."""
    digest = hashlib.sha256()
    for path in terraform_inputs(root, env):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for path in extra:
        digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    digest.update(f"state:{state_version}".encode())
    return digest.hexdigest()


def file_digests(root: Path, env: str, extra: Sequence[Path] = ()) -> dict[str, str]:
    """sha256 of each file Terraform reads for `env`, by path (relative to `root` when inside it):
    recorded with a saved plan, so `qvctl apply` can name what changed since the plan was made."""
    digests = {}
    for path in [*terraform_inputs(root, env), *extra]:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        digests[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return digests
