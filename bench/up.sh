#!/usr/bin/env bash
# Time the local platform's life cycle: cold `qvctl up`, warm `qvctl up` (must say "no changes"),
# and `qvctl down`. Prints the three figures against the targets (cold ≤ 150 s with the HA and DR
# database topology, warm ≤ 30 s).
# Starts from a clean slate (`qvctl down` first) and always ends with the platform down.
#   bash bench/up.sh [ENV]      (ENV defaults to local)
set -euo pipefail
cd "$(dirname "$0")/.."
QVCTL=${QVCTL:-.venv/bin/qvctl}
ENV=${1:-local}
logs=$(mktemp -d)
trap '"$QVCTL" down "$ENV" >/dev/null 2>&1 || true; rm -rf "$logs"' EXIT

. bench/lib/timing.sh

"$QVCTL" down "$ENV" >/dev/null 2>&1 || true

t0=$(now); run cold "$QVCTL" up "$ENV"; t1=$(now)
run warm "$QVCTL" up "$ENV"; t2=$(now)
run down "$QVCTL" down "$ENV"; t3=$(now)

cold=$(seconds "$t0" "$t1"); warm=$(seconds "$t1" "$t2"); down=$(seconds "$t2" "$t3")
if grep -q "no changes:" "$logs/warm.log"; then verdict="no changes"; else verdict="CHANGED (not idempotent)"; fi
verdict_of() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "ok" : "OVER TARGET" }'; }

printf "%-8s %7s s   target ≤ 150 s  %s\n" "cold up" "$cold" "$(verdict_of "$cold" 150)"
printf "%-8s %7s s   target ≤  30 s  %s, %s\n" "warm up" "$warm" "$(verdict_of "$warm" 30)" "$verdict"
printf "%-8s %7s s\n" "down" "$down"
# Where the time went, step by step (qvctl's own timings).
for run in cold warm; do
  echo "-- $run up steps"
  grep -E "^(✓|✗) " "$logs/$run.log" | sed -E 's/  +/  /g' | cut -c1-100
done
