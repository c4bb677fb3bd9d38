#!/usr/bin/env bash
# Time backups and restores on the local platform with the real pgBackRest: a full backup, an
# incremental one (after a few writes through the API), `qvctl backup verify` (scratch restore +
# comparison), a point-in-time restore into a scratch instance, and with IN_PLACE=1 the in-place
# restore of the whole platform (both clusters). Uses a running ENV, or brings it up and takes it
# down again at the end.
#   bash bench/backup.sh [ENV]            (ENV defaults to local)
#   IN_PLACE=1 bash bench/backup.sh [ENV]
set -euo pipefail
cd "$(dirname "$0")/.."
QVCTL=${QVCTL:-.venv/bin/qvctl}
ENV=${1:-local}
logs=$(mktemp -d)
started_here=0
cleanup() {
  "$QVCTL" restore "$ENV" --cleanup >/dev/null 2>&1 || true
  [ "$started_here" = 1 ] && "$QVCTL" down "$ENV" >/dev/null 2>&1
  rm -rf "$logs"
}
trap cleanup EXIT

. bench/lib/timing.sh
timed() { local name=$1; shift; local t0; t0=$(now); run "$name" "$@"; seconds "$t0" "$(now)"; }

if ! "$QVCTL" status "$ENV" >/dev/null 2>&1; then
  echo "bringing $ENV up first"
  run up "$QVCTL" up "$ENV"
  started_here=1
fi
edge=$("$QVCTL" status "$ENV" --output json | python3 -c 'import json,sys; print(next(c["address"] for c in json.load(sys.stdin)["components"] if c["component"] == "nginx"))')
state=$("$QVCTL" status "$ENV" --output json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state_dir"])')
token=$("$QVCTL" token --env "$ENV" --user bench-backup)
write() { for i in $(seq "$1"); do
  curl -fsS -o /dev/null --cacert "$state/pki/ca.crt" -H 'content-type: application/json' \
    -H "Authorization: Bearer $token" \
    -d "{\"name\": \"bench-$RANDOM\", \"base_currency\": \"USD\"}" "https://$edge/api/v1/portfolios"; done; }

full=$(timed full "$QVCTL" backup run "$ENV" --type full)
write 20
incr=$(timed incr "$QVCTL" backup run "$ENV" --type incr)
verify=$(timed verify "$QVCTL" backup verify "$ENV")
write 5; sleep 1; target=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); sleep 1; write 5
pitr=$(timed pitr "$QVCTL" restore "$ENV" --to-time "$target")
run cleanup "$QVCTL" restore "$ENV" --cleanup
size=$("$QVCTL" backup list "$ENV" --output json | python3 -c 'import json, sys; b = json.load(sys.stdin)["backups"][-1]; print("%.0f MiB database, %.0f KiB written by the last backup" % (b["database_size"] / 2**20, b["repository_size"] / 2**10))')

printf "%-28s %7s s\n" "backup full" "$full" "backup incr" "$incr" "backup verify" "$verify" "restore --to-time (scratch)" "$pitr"
if [ "${IN_PLACE:-0}" = 1 ]; then
  write 5; sleep 1; target=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); sleep 1
  inplace=$(timed inplace "$QVCTL" restore "$ENV" --to-time "$target" --target in-place --yes)
  printf "%-28s %7s s\n" "restore --to-time (in place)" "$inplace"
  grep -E "^✓" "$logs/inplace.log" | sed 's/^/  /'
fi
echo "($size; load average $(cut -d' ' -f1-3 /proc/loadavg))"
