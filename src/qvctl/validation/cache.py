"""Results of `qvctl validate` kept by the content of what each check reads.

A check's key is a sha256 over its definition (id, command or function, the patterns of its
inputs), the version of every tool it runs, and the sorted (path, sha256) of every file its
inputs match. Same key, same verdict: the stored result is reported instead of running the check.
Only verdicts are stored: a missing tool, a timeout or an input that does not exist yet is asked
again on the next run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# Bumped when what a key covers changes, so no older entry is ever read with a new meaning.
_FORMAT = "1"


@dataclass(frozen=True)
class Stored:
    ok: bool
    detail: str
    seconds: float


def cache_key(definition: str, tool_versions: dict[str, str], inputs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for part in (_FORMAT, definition, json.dumps(sorted(tool_versions.items())), json.dumps(sorted(inputs))):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class ResultCache:
    """One JSON file per key under `folder`; unreadable entries count as absent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, check_id: str, key: str) -> Path:
        return self.folder / f"{check_id}-{key}.json"

    def get(self, check_id: str, key: str) -> Stored | None:
        try:
            data = json.loads(self._path(check_id, key).read_text())
            return Stored(bool(data["ok"]), str(data["detail"]), float(data["seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def last_seconds(self, check_id: str) -> float:
        """How long the check took when its stored result was made (0 if never): to start the slow ones first."""
        for entry in self.folder.glob(f"{check_id}-{'?' * 64}.json"):
            try:
                return float(json.loads(entry.read_text())["seconds"])
            except (OSError, ValueError, KeyError, TypeError):
                return 0.0
        return 0.0

    def put(self, check_id: str, key: str, stored: Stored) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # Older entries of this check can never match again (their inputs changed): keep one per check.
        for old in self.folder.glob(f"{check_id}-{'?' * 64}.json"):
            old.unlink(missing_ok=True)
        path = self._path(check_id, key)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps({"ok": stored.ok, "detail": stored.detail, "seconds": stored.seconds}))
        partial.replace(path)  # atomic: a concurrent run reads the old entry or the new one, never half
