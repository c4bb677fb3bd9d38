"""Run named steps one after the other, each shown with a spinner and its elapsed time.

`up` and `down` are each a list of `Step`s: a name, a function, and when it applies. A step
function gets the shared run object and a `note` callback for progress, and returns a short
result line ("3 added, 0 changed", "no changes") or an `Outcome` that also says whether it
changed anything. When one fails, the run stops there and the user gets one line: the step's
name and the tool's own message, never a traceback. Ctrl-C stops the same way with status
130, and every step is idempotent, so running the command again resumes.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus
from qvctl.platform.process import is_interrupt

Note = Callable[[str], None]
"""Shows what a step is doing right now (the spinner's detail)."""


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


Run = TypeVar("Run")


@dataclass(frozen=True)
class Step(Generic[Run]):
    name: str
    action: Callable[[Run, Note], str | Outcome | None]
    # Asked just before the step would run (so it sees what earlier steps found).
    when: Callable[[Run], bool] = lambda run: True


@dataclass
class StepRunner:
    console: Console
    # The command to suggest after Ctrl-C ("qvctl up" resumes, "qvctl down" cleans up).
    resume_hint: str = "run `qvctl up` again to resume or `qvctl down` to clean up"
    results: list[StepResult] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic

    def run_all(self, steps: list[Step[Run]], run: Run) -> list[StepResult]:
        for step in steps:
            if step.when(run):
                self.run(step.name, functools.partial(step.action, run))
        return self.results

    def run(self, name: str, action: Callable[[Note], str | Outcome | None]) -> StepResult:
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
            raise QvError(f"interrupted during step '{name}'; {self.resume_hint}", ExitStatus.INTERRUPTED) from None
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
