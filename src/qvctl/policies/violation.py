"""What a policy reports: where (file, resource), which rule, and why, on one line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class Unknown(Exception):
    """A value Terraform knows only after apply: the rule cannot be decided from this plan."""


@dataclass(frozen=True)
class Violation:
    file: str
    resource: str  # a Terraform address, `Kind namespace/name`, or `pg_hba line N`
    rule: str  # `<promise>/<rule>`, e.g. network/no-ssh
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.resource}: [{self.rule}] {self.message}"


@dataclass
class Verdicts:
    """Every judgement of one file: violations, what could not be decided, and how many were judged per rule."""

    file: str
    violations: list[Violation] = field(default_factory=list)
    undecided: list[Violation] = field(default_factory=list)
    judged: Counter[str] = field(default_factory=Counter)

    @contextmanager
    def judging(self, resource: str, rule: str) -> Iterator[Callable[[str], None]]:
        """Judge one resource by one rule: call the yielded function once per violation found."""
        self.judged[rule] += 1
        try:
            yield lambda message: self.violations.append(Violation(self.file, resource, rule, message))
        except Unknown as unknown:
            self.undecided.append(
                Violation(self.file, resource, rule, f"undecided: {unknown} is known only after apply")
            )
