"""A finding of a check: which check, where in the repository, what is wrong, on one line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    check: str  # which check found it (schema, stale, env-vars, probes, irsa, references, secrets, spec)
    where: str  # kubernetes/<env>/<file> or another repository path
    message: str

    def __str__(self) -> str:
        return f"{self.where}: [{self.check}] {self.message}"
