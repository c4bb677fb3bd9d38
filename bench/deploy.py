"""The figures of bench/deploy.sh: two releases under load on a running local platform.

Versions are commits made from HEAD through a scratch index (tests/e2e/versions.py): nothing is
left in the repository but two unreachable commits, and the working tree is not touched.
"""

from __future__ import annotations

import datetime
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.traffic import Load  # noqa: E402
from tests.e2e.versions import FAILS_EVERY_REQUEST, Repository, good  # noqa: E402

QVCTL = os.environ.get("QVCTL", str(ROOT / ".venv" / "bin" / "qvctl"))
RATE = 40.0


def qvctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QVCTL, *args], cwd=ROOT, capture_output=True, text=True, check=False)


def epoch(iso: str) -> float:
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def main(env: str) -> None:
    status = json.loads(qvctl("status", env, "--output", "json").stdout)
    edge = next(c["address"] for c in status["components"] if c["component"] == "nginx")
    trust = ssl.create_default_context(cafile=str(Path(status["state_dir"]) / "pki" / "ca.crt"))
    repo = Repository(ROOT)
    stamp = str(int(time.time()))
    good_commit = repo.version(f"bench-good-{stamp}", good(f"bench-{stamp}"), branch=False)
    bad_commit = repo.version(f"bench-bad-{stamp}", FAILS_EVERY_REQUEST, branch=False)
    token = qvctl("token", "--env", env, "--user", "bench-load").stdout.strip()
    load = Load(f"https://{edge}", trust, token, rate=RATE)
    with load.running():
        time.sleep(3)
        started = time.time()
        promoted = qvctl("deploy", env, "--version", good_commit)
        promoted_at = time.time()
        if promoted.returncode != 0:
            sys.exit(f"bench: the good release was not promoted:\n{promoted.stdout[-2000:]}{promoted.stderr}")
        time.sleep(3)
        bad_started = time.time()
        aborted = qvctl("deploy", env, "--version", bad_commit)
        bad_ended = time.time()
        time.sleep(2)
        back_started = time.time()
        rolled_back = qvctl("rollback", env)
        back_ended = time.time()
        if rolled_back.returncode != 0:
            sys.exit(f"bench: the rollback to the previous release failed:\n{rolled_back.stdout[-2000:]}"
                     f"{rolled_back.stderr}")
        time.sleep(2)
    record = json.loads(qvctl("releases", env, "--output", "json").stdout)["releases"][-2]
    if aborted.returncode == 0 or record["outcome"] != "aborted":
        sys.exit(f"bench: the failing release was not aborted:\n{aborted.stdout[-2000:]}{aborted.stderr}")
    on_stable = epoch(record["all_on_stable_at"])
    first_step = epoch(record["steps"][0]["started"])
    weight = record["steps"][0]["weight"]
    print(f"{'good release: deploy to full promotion':52} {promoted_at - started:6.1f} s "
          f"(users: {load.failed_fraction(started, promoted_at):.2%} failed)")
    print(f"{'bad release: deploy to 100 % on stable':52} {on_stable - bad_started:6.1f} s")
    print(f"{'bad release: first traffic to 100 % on stable':52} {on_stable - first_step:6.1f} s "
          f"(at {weight} %)")
    print(f"{'bad release: deploy command, retirement included':52} {bad_ended - bad_started:6.1f} s")
    print(f"{'failed requests users saw, bad canary (to 100 % stable)':52} "
          f"{load.failed_fraction(first_step, on_stable):6.2%}  (bound: {weight} % x 100 % errors)")
    print(f"{'failed requests users saw, whole bad deploy':52} {load.failed_fraction(bad_started, bad_ended):6.2%}")
    print(f"{'rollback to the previous release (a canary of it)':52} {back_ended - back_started:6.1f} s "
          f"(users: {load.failed_fraction(back_started, back_ended):.2%} failed)")
    print(f"({RATE:.0f} requests/s through nginx; load average {' '.join(open('/proc/loadavg').read().split()[:3])})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "local")
