"""The rendered Kubernetes manifests the policies read: every document of kubernetes/<env>/*.yaml."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

MANIFESTS = Path("kubernetes")


def documents(root: Path, files: list[Path] | None = None) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(file relative to root, document) of every manifest; files defaults to kubernetes/<env>/*.yaml."""
    chosen = files if files is not None else sorted((root / MANIFESTS).glob("*/*.yaml"))
    for path in chosen:
        shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(document, Mapping):
                yield shown, document


def name_of(document: Mapping[str, Any]) -> str:
    meta = document.get("metadata") or {}
    where = f"{meta.get('namespace')}/{meta.get('name')}" if meta.get("namespace") else str(meta.get("name"))
    return f"{document.get('kind')} {where}"
