#!/usr/bin/env bash
# qvctl validate cold (empty cache) and warm (unchanged tree) next to the same checks run one after
# another (bench/validate_timing.py); exits 1 when warm > 0.2x or cold >= 1x the sequential time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"${PYTHON:-$ROOT/.venv/bin/python}" "$ROOT/bench/validate_timing.py"
