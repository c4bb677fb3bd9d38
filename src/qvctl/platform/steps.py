"""Run named steps one after the other, each shown with a spinner and its elapsed time.

A step is a function returning a short result line ("3 added, 0 changed", "no changes").
When one fails, the run stops there and the user gets one line: the step's name and the
tool's own message, never a traceback. Ctrl-C stops the same way with status 130, and the
steps are written so that running `qvctl up` again resumes (every step is idempotent).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.tools import is_interrupt


class StepFailed(QvError):
    """Raised inside a step with the tool's own message; the runner prefixes the step name."""


@dataclass
class StepResult:
    name: str
    seconds: float
    summary: str
    changed: bool | None = None  # None: the step does not know (or change) anything


@dataclass
class Outcome:
    """What a step function may return instead of a bare summary string."""

    summary: str
    changed: bool | None = None


StepFunction = Callable[[Callable[[str], None]], "str | Outcome | None"]


@dataclass
class StepRunner:
    console: Console
    results: list[StepResult] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    def run(self, name: str, action: StepFunction) -> StepResult:
        """Run one step. `action(note)` may call `note("detail")` to show what it is doing now."""
        start = self.clock()
        progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[detail]}", markup=False),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        task = progress.add_task(name, total=None, detail="")

        def note(detail: str) -> None:
            progress.update(task, detail=detail[:80])

        try:
            if self.console.is_terminal:
                with progress:
                    outcome = action(note)
            else:  # logs and CI: no spinner redraws, just the result line below
                outcome = action(note)
        except (KeyboardInterrupt, QvError) as err:
            if not is_interrupt(err):
                assert isinstance(err, QvError)
                self._fail(name, start, err)
            self._line("✗", name, self.clock() - start, "interrupted", "yellow")
            raise QvError(
                f"interrupted during step '{name}'; run `qvctl up` again to resume or `qvctl down` to clean up",
                ExitStatus.INTERRUPTED,
            ) from None
        seconds = self.clock() - start
        if isinstance(outcome, Outcome):
            result = StepResult(name, seconds, outcome.summary, outcome.changed)
        else:
            result = StepResult(name, seconds, outcome or "done")
        self.results.append(result)
        self._line("✓", name, seconds, result.summary, "green")
        return result

    def _fail(self, name: str, start: float, err: QvError) -> None:
        self._line("✗", name, self.clock() - start, "failed", "red")
        # One line, whatever the tool printed: the full output is in the step's log.
        message = " ".join(line.strip() for line in err.message.splitlines() if line.strip())
        raise QvError(f"step '{name}' failed: {message}", err.status) from None

    def _line(self, mark: str, name: str, seconds: float, summary: str, colour: str) -> None:
        self.console.print(
            f"[{colour}]{mark}[/{colour}] {name:<38} [dim]{seconds:6.1f}s[/dim]  ",
            end="",
            highlight=False,
        )
        self.console.print(summary, markup=False, highlight=False)

    @property
    def total_seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def anything_changed(self) -> bool:
        return any(r.changed for r in self.results)
