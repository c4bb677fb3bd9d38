#!/usr/bin/env bash
# What a stopped or hung Redis costs an API request (bench/cache_outage.py); prints one line per state.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"${PYTHON:-$ROOT/.venv/bin/python}" "$ROOT/bench/cache_outage.py" "${COUNT:-20}"
