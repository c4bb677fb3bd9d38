"""Wall-clock of `qvctl validate`: the same checks one after another, then in parallel from an empty
cache (cold), then again on the unchanged tree (warm). Prints the three times and the ratios.

The sequential run is `qvctl validate --no-cache --jobs 1`: the very commands the gate runs, one at
a time, nothing reused. The cache of the cold and warm runs is a fresh folder (QV_VALIDATE_CACHE),
so the developer's own cache is neither used nor touched.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_TARGET = 0.2  # issue 13: warm at most 0.2x the sequential time; cold below it


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _validate(*args: str, cache: Path) -> tuple[float, float, list[dict[str, object]]]:
    """Wall-clock and CPU seconds (of qvctl and every tool it ran) of one `qvctl validate`, and its results."""
    env = {**os.environ, "QV_VALIDATE_CACHE": str(cache)}
    cpu = _children_cpu()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "qvctl", "validate", "--output", "json", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1):  # 1: a check failed, still a full run; anything else is not
        raise SystemExit(f"qvctl validate {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return seconds, _children_cpu() - cpu, json.loads(done.stdout)


def main() -> int:
    runs: dict[str, tuple[float, float, float]] = {}  # name -> (wall s, CPU s, 1-minute load before)
    with tempfile.TemporaryDirectory(prefix="qv-bench-validate-") as scratch:
        cache = Path(scratch) / "cache"
        for name, args in (
            ("sequential (--no-cache --jobs 1)", ("--no-cache", "--jobs", "1")),
            ("cold (empty cache, 4 at once)", ()),
            ("warm (unchanged tree)", ()),
        ):
            load = os.getloadavg()[0]
            wall, cpu, results = _validate(*args, cache=cache)
            runs[name] = (wall, cpu, load)
    sequential = next(iter(runs.values()))[0]
    cached = sum(1 for r in results if r["cached"])
    failed = [str(r["id"]) for r in results if not r["ok"]]
    print(
        f"checks: {len(results)} ({len(failed)} failing: {', '.join(failed) or 'none'}); "
        f"{os.cpu_count()} cores; warm run: {cached} of {len(results)} cached"
    )
    print(f"{'run':<34} {'wall s':>8} {'x sequential':>13} {'CPU s':>8} {'load before':>12}")
    for name, (wall, cpu, load) in runs.items():
        print(f"{name:<34} {wall:8.1f} {wall / sequential:13.2f} {cpu:8.1f} {load:12.1f}")
    cold, warm = (runs[name][0] for name in list(runs)[1:])
    met = warm <= WARM_TARGET * sequential and cold < sequential
    print(f"target (warm <= {WARM_TARGET}x, cold < 1x): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
