"""Wall-clock of `qvctl validate`: the same checks one after another, then in parallel from an empty
cache (cold), then again on the unchanged tree (warm). Prints the three times and the ratios.

The sequential run is `qvctl validate --no-cache --jobs 1`: the very commands the gate runs, one at
a time, nothing reused. The cache of the cold and warm runs is a fresh folder (QV_VALIDATE_CACHE),
so the developer's own cache is neither used nor touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_TARGET = 0.2  # issue 13: warm at most 0.2x the sequential time; cold below it


def _validate(*args: str, cache: Path) -> tuple[float, list[dict[str, object]]]:
    env = {**os.environ, "QV_VALIDATE_CACHE": str(cache)}
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
    return seconds, json.loads(done.stdout)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="qv-bench-validate-") as scratch:
        cache = Path(scratch) / "cache"
        sequential, results = _validate("--no-cache", "--jobs", "1", cache=cache)
        cold, _ = _validate(cache=cache)
        warm, warm_results = _validate(cache=cache)
    cached = sum(1 for r in warm_results if r["cached"])
    failed = [str(r["id"]) for r in results if not r["ok"]]
    print(
        f"checks: {len(results)} ({len(failed)} failing: {', '.join(failed) or 'none'}); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"{'run':<34} {'seconds':>8} {'x sequential':>13}")
    print(f"{'sequential (--no-cache --jobs 1)':<34} {sequential:8.1f} {1.0:13.2f}")
    print(f"{'cold (empty cache, 4 at once)':<34} {cold:8.1f} {cold / sequential:13.2f}")
    share = f"({cached} of {len(warm_results)} cached)"
    print(f"{'warm (unchanged tree)':<34} {warm:8.1f} {warm / sequential:13.2f}   {share}")
    met = warm <= WARM_TARGET * sequential and cold < sequential
    print(f"target (warm <= {WARM_TARGET}x, cold < 1x): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
