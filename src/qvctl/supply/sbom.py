"""The API image's software bill of materials: CycloneDX JSON made by cyclonedx-py from the image's lock.

The lock (services/api/requirements.lock, `make lock`) is exactly what the image installs, with the
sha256 of every file of each version; cyclonedx-py lists each as a component with its package URL and
those hashes, and validates the document against the CycloneDX schema before writing it. The output is
reproducible (no timestamp, no random serial number): the same lock gives the same bytes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.tools import require

API_LOCK = "services/api/requirements.lock"
API_PYPROJECT = "services/api/pyproject.toml"
SPEC_VERSION = "1.6"


def write_sbom(ctx: Context, output: Path, lock: Path | None = None) -> int:
    """Write the SBOM of `lock` (default: the API image's) to `output`; the number of components listed."""
    lock = lock or ctx.root / API_LOCK
    if not lock.is_file():
        raise QvError(f"{lock}: no such lock; `make lock` writes it", ExitStatus.INVALID_INPUT)
    tool = require(ctx, "cyclonedx-py")
    output.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        tool,
        "requirements",
        str(lock),
        "--pyproject",
        str(ctx.root / API_PYPROJECT),
        "--mc-type",
        "application",
        "--sv",
        SPEC_VERSION,
        "--of",
        "JSON",
        "--output-reproducible",
        "--validate",
        "-o",
        str(output),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [f"exit {done.returncode}"]
        raise QvError(f"cyclonedx-py failed on {lock}: {last[0][:300]}")
    return len(json.loads(output.read_text()).get("components", []))
