#!/usr/bin/env bash
# The cost of authentication per API request (bench/token_verify.py); prints one line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"${PYTHON:-$ROOT/.venv/bin/python}" "$ROOT/bench/token_verify.py" "${COUNT:-2000}"
