#!/usr/bin/python3
"""The backup repository's state as Prometheus metrics, for the node exporter's textfile collector.

pgBackRest has no metrics endpoint; `pgbackrest info --output=json` says what the repository
holds. This writes, for the stanza:
  qv_pgbackrest_last_backup_completed_timestamp_seconds{stanza, type}  newest good backup per type
  qv_pgbackrest_info_success{stanza}  1 when `pgbackrest info` answered (0: the file still says so)
atomically (a temporary file renamed), so the exporter never reads half a file. Standard library
only: it runs on database hosts, which have python3 and pgBackRest and nothing of this repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def metrics(stanza: str, info: list[dict] | None) -> str:
    lines = [
        "# HELP qv_pgbackrest_info_success 1 when pgbackrest info answered.",
        "# TYPE qv_pgbackrest_info_success gauge",
        f'qv_pgbackrest_info_success{{stanza="{stanza}"}} {0 if info is None else 1}',
    ]
    newest: dict[str, int] = {}
    for entry in info or []:
        for backup in entry.get("backup", []):
            if backup.get("error"):
                continue  # a backup pgBackRest found an error in is no backup to count on
            stop = int(backup["timestamp"]["stop"])
            newest[backup["type"]] = max(stop, newest.get(backup["type"], 0))
    if newest:
        lines += [
            "# HELP qv_pgbackrest_last_backup_completed_timestamp_seconds When the newest good backup of a type ended.",
            "# TYPE qv_pgbackrest_last_backup_completed_timestamp_seconds gauge",
        ]
        lines += [f'qv_pgbackrest_last_backup_completed_timestamp_seconds{{stanza="{stanza}",type="{kind}"}} {stop}'
                  for kind, stop in sorted(newest.items())]
    return "\n".join(lines) + "\n"


def read_info(pgbackrest: list[str]) -> list[dict] | None:
    try:
        done = subprocess.run([*pgbackrest, "info", "--output=json"], capture_output=True, text=True, timeout=120,
                              check=True)
        return json.loads(done.stdout)
    except (subprocess.SubprocessError, OSError, ValueError) as err:
        print(f"pgbackrest info failed: {err}", file=sys.stderr)
        return None


def write(path: str, text: str) -> None:
    folder = os.path.dirname(path)
    with tempfile.NamedTemporaryFile("w", dir=folder, prefix=".pgbackrest-", suffix=".tmp", delete=False) as tmp:
        tmp.write(text)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="pgbackrest.conf")
    parser.add_argument("--stanza", required=True)
    parser.add_argument("--output", required=True, help="the .prom file in the textfile collector's folder")
    parser.add_argument("--every", type=int, default=0, help="repeat every N seconds (0: once)")
    args = parser.parse_args()
    pgbackrest = ["/usr/bin/pgbackrest", f"--config={args.config}", f"--stanza={args.stanza}"]
    while True:
        write(args.output, metrics(args.stanza, read_info(pgbackrest)))
        if args.every <= 0:
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
