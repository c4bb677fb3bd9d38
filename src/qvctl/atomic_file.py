"""Replace a file's text at once: a reader (nginx, Prometheus, another qvctl, an editor) sees the
old file or the new one, never half of one (a temporary file beside it, then rename)."""

from __future__ import annotations

import os
from pathlib import Path


def replace_text(path: Path, text: str, mode: int | None = None) -> None:
    """`mode`: the new file's permissions (default: the old file's, else 0644)."""
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    os.replace(tmp, path)
