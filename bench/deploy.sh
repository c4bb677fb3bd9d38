#!/usr/bin/env bash
# Releases on the local platform under load (40 requests/s through nginx): a good release promoted
# through every canary step, a release that fails every request, aborted, then `qvctl rollback`
# to the release before the good one. Prints the time to full promotion, the time from deploy
# start to 100 % on stable for the bad one, the share of requests users saw fail, and the
# rollback's time. Uses a running ENV, or brings it up and takes it down at the end.
#   bash bench/deploy.sh [ENV]            (ENV defaults to local)
set -euo pipefail
cd "$(dirname "$0")/.."
QVCTL=${QVCTL:-.venv/bin/qvctl}
PYTHON=${PYTHON:-.venv/bin/python}
ENV=${1:-local}
logs=$(mktemp -d)
started_here=0
cleanup() {
  [ "$started_here" = 1 ] && "$QVCTL" down "$ENV" >/dev/null 2>&1
  rm -rf "$logs"
}
trap cleanup EXIT

. bench/lib/timing.sh
if ! "$QVCTL" status "$ENV" >/dev/null 2>&1; then
  echo "bringing $ENV up first"
  run up "$QVCTL" up "$ENV"
  started_here=1
fi
QVCTL="$QVCTL" "$PYTHON" bench/deploy.py "$ENV"
