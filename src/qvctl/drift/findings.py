"""One thing that differs between the code and the environment, whichever tool found it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    layer: str  # terraform or ansible
    subject: str  # a resource address, or a host
    what: str  # what differs, in one line
    # Terraform: the attribute paths that differ (tags.team), for machines reading --output json.
    paths: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
