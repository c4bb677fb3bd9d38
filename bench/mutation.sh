#!/usr/bin/env bash
# Mutation testing of the code that decides (bench/mutation.py): one line per area,
# `mutants: K killed of N (P %)`, then the mutants no test killed. Incremental: a second run
# re-tests only what changed. Exit 1 when an area is below 90 % killed, or has a surviving mutant
# that bench/mutation_reviewed.toml does not list with its reason.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"${PYTHON:-$ROOT/.venv/bin/python}" "$ROOT/bench/mutation.py" "$@"
