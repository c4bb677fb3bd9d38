#!/usr/bin/env bash
# Load test of the QuantumVest API: real PostgreSQL and Redis on a loopback address, the API under
# uvicorn with 2 workers, and wrk for a fixed time at a cached read (GET a portfolio) and a write
# (POST a transaction, each with a unique Idempotency-Key). Prints requests/s and p50/p99 latency.
# Everything it starts is stopped on exit, success or not.
#
#   bench/api_load.sh                 # 15 s per endpoint, 2 threads, 32 connections
#   DURATION=30s CONNECTIONS=64 bench/api_load.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
HOST="${BENCH_HOST:-127.0.21.1}"          # its own address: never collides with tests or the local platform
API_PORT="${BENCH_API_PORT:-58080}"
DURATION="${DURATION:-15s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
PORTFOLIOS=32                              # writes lock their portfolio row: spread them out

command -v wrk >/dev/null || { echo "error: wrk not found (apt-get install wrk)" >&2; exit 3; }
"$PYTHON" -c "import quantumvest_api" 2>/dev/null \
  || { echo "error: quantumvest_api not importable by $PYTHON (pip install -e services/api)" >&2; exit 3; }

WORK="$(mktemp -d -t qv-api-bench-XXXXXX)"
SERVERS_PID="" API_PID=""
cleanup() {
  # The API first (it holds database connections), then the servers (their helper removes its data).
  [[ -n "$API_PID" ]] && kill -TERM "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null || true
  [[ -n "$SERVERS_PID" ]] && kill -TERM "$SERVERS_PID" 2>/dev/null && wait "$SERVERS_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "starting PostgreSQL and Redis on $HOST (durable: fsync and synchronous commit on)"
"$PYTHON" -m quantumvest_api.testing.servers --host "$HOST" --durable --env-file "$WORK/env" &
SERVERS_PID=$!
for _ in $(seq 300); do
  [[ -s "$WORK/env" ]] && break
  kill -0 "$SERVERS_PID" 2>/dev/null || { echo "error: database servers failed to start" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$WORK/env" ]] || { echo "error: database servers not ready after 30 s" >&2; exit 1; }
# shellcheck source=/dev/null
source "$WORK/env"
export QV_LOG_LEVEL=WARNING               # one access line per request would measure the log, not the API
export QV_DB_POOL_SIZE=10

"$PYTHON" -m quantumvest_api.cli migrate >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }
echo "starting the API on http://$HOST:$API_PORT (uvicorn, 2 workers)"
"$PYTHON" -m quantumvest_api.cli serve --host "$HOST" --port "$API_PORT" --workers 2 >"$WORK/api.log" 2>&1 &
API_PID=$!
BASE_URL="http://$HOST:$API_PORT"

# Wait until ready, create the portfolios, warm the cache, and write the wrk script for the writes.
"$PYTHON" - "$BASE_URL" "$PORTFOLIOS" "$WORK" <<'PY'
import sys, time, pathlib, httpx
base, count, work = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
deadline = time.monotonic() + 30
while True:
    try:
        if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
            break
    except httpx.TransportError:
        pass
    if time.monotonic() > deadline:
        sys.exit("error: the API did not become ready in 30 s")
    time.sleep(0.2)
import os
auth = {"Authorization": f"Bearer {os.environ['QV_TEST_TOKEN']}"}
ids = [httpx.post(f"{base}/api/v1/portfolios", json={"name": f"bench-{i}"}, headers=auth).raise_for_status().json()["id"]
       for i in range(count)]
for portfolio_id in ids:
    httpx.get(f"{base}/api/v1/portfolios/{portfolio_id}", headers=auth).raise_for_status()
(work / "read_path").write_text(f"/api/v1/portfolios/{ids[0]}")
lua_ids = ", ".join(f'"{i}"' for i in ids)
(work / "write.lua").write_text(f"""
-- Each request buys one share in one of the portfolios with a key no other request uses.
local ids = {{{lua_ids}}}
local threads, counter, thread_id = 0, 0, 0
function setup(thread) threads = threads + 1; thread:set("thread_id", threads) end
function init(args) counter = 0 end
local body = '{{"symbol":"AAA","side":"buy","quantity":"1","price":"100.5","executed_at":"2026-01-05T15:00:00Z"}}'
function request()
  counter = counter + 1
  local portfolio = ids[(counter % #ids) + 1]
  local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {os.environ['QV_TEST_TOKEN']}",
                    ["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. counter}}
  return wrk.format("POST", "/api/v1/portfolios/" .. portfolio .. "/transactions", headers, body)
end
""")
PY

run_wrk() {  # name, then wrk arguments; prints one summary line
  local name="$1"; shift
  wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "$DURATION" --latency "$@" >"$WORK/wrk.out"
  awk -v name="$name" '
    $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    /^Requests\/sec:/ { rps = $2 } /requests in/ { total = $1 }
    /Non-2xx or 3xx responses:/ { errors = $NF }
    /Socket errors:/ { socket = $0 }
    END { printf "%-38s %10s %10s %10s %9s %8s\n", name, rps, p50, p99, total, errors + 0
          if (socket != "") print "  " socket }
  ' "$WORK/wrk.out"
}

echo
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per endpoint; API: 2 uvicorn workers; $(nproc) CPUs shared by all"
printf "%-38s %10s %10s %10s %9s %8s\n" "endpoint" "req/s" "p50" "p99" "requests" "non-2xx"
run_wrk "GET /api/v1/portfolios/{id} (cached)" --header "Authorization: Bearer $QV_TEST_TOKEN" \
  "$BASE_URL$(cat "$WORK/read_path")"
run_wrk "POST .../transactions (idempotent)" --script "$WORK/write.lua" "$BASE_URL"
