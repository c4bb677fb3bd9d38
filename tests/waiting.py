"""Waiting for a state, never for a time: tests poll a condition up to a deadline generous enough for
a loaded 2-core machine, and fail naming what never happened. Durations are measured in bench/."""

from __future__ import annotations

import time
from collections.abc import Callable

DEADLINE_SECONDS = 30.0


def wait_until(
    what: str, condition: Callable[[], bool], seconds: float = DEADLINE_SECONDS, every: float = 0.05
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(every)
