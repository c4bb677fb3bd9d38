#!/usr/bin/env bash
# The failure drills, each run DR_BENCH_RUNS times (default 5), and per scenario the min / median /
# max of what the drills report: RTO, acknowledged writes lost, the time span they cover (and the
# planned switches' write outage). Every run's JSON report is kept in the folder printed at the end.
#   bash bench/dr.sh [ENV]                      ENV defaults to local
#   DR_BENCH_RUNS=1 bash bench/dr.sh            a quick pass
#   DR_BENCH_SCENARIOS="leader-kill failover"   some scenarios only ("failover" = failover + failback)
#   DR_BENCH_QUIET_SECONDS=120                  first, the clusters watched with no fault for this
#                                               long: a leader change then is a spurious failover
# Uses the running environment, or brings it up first and takes it down again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
QVCTL=${QVCTL:-.venv/bin/qvctl}
PYTHON=${PYTHON:-.venv/bin/python}
ENV=${1:-local}
RUNS=${DR_BENCH_RUNS:-5}
SCENARIOS=${DR_BENCH_SCENARIOS:-leader-kill replica-kill etcd-member-kill network-partition region-loss failover}
out=$(mktemp -d -t qv-dr-bench.XXXXXX)

brought_up=0
if ! "$QVCTL" status "$ENV" >/dev/null 2>&1; then
  echo "bench: $ENV is not up (or not healthy): qvctl up $ENV" >&2
  "$QVCTL" up "$ENV" >"$out/up.log" 2>&1 || { tail -n 20 "$out/up.log" >&2; exit 1; }
  brought_up=1
fi
finish() { if [ "$brought_up" = 1 ]; then "$QVCTL" down "$ENV" >/dev/null 2>&1 || true; fi; }
trap finish EXIT

# drill NAME ARGS...: one qvctl dr run; a missed target exits 1 but its report is data all the same.
drill() {
  local name=$1; shift
  "$QVCTL" dr "$@" --output json >"$out/$name.json" 2>"$out/$name.log" || true
  if [ ! -s "$out/$name.json" ]; then
    echo "bench: qvctl dr $* wrote no report:" >&2
    tail -n 5 "$out/$name.log" >&2
  fi
}

QUIET=${DR_BENCH_QUIET_SECONDS:-120}
if [ "$QUIET" -gt 0 ]; then
  echo "bench: watching $ENV for ${QUIET}s with no fault" >&2
  "$PYTHON" - "$ENV" "$QUIET" >"$out/quiet.txt" <<'PY'
import os, sys, time
from qvctl.context import Context
from qvctl.dr.drills import events_from
from qvctl.dr.environment import DrEnv
from qvctl.dr.topology import ClusterWatch
from qvctl.spec import require_environment

ctx = Context.discover()
env = DrEnv.open(ctx, require_environment(ctx, sys.argv[1]))
watch = ClusterWatch(env, list(env.clusters))
started = time.monotonic()
watch.start()
time.sleep(float(sys.argv[2]))
watch.stop()
changes = [e for e in events_from(watch.snapshots, started + 1) if e.name in ("leader lost", "new leader")]
load = " ".join(f"{x:.1f}" for x in os.getloadavg())
print(f"quiet period: {sys.argv[2]} s with no fault, load average {load}: {len(changes)} leader changes"
      + "".join(f"\n  {e.name}: {e.detail}" for e in changes))
PY
fi

for run in $(seq 1 "$RUNS"); do
  for scenario in $SCENARIOS; do
    echo "bench: run $run/$RUNS: $scenario" >&2
    if [ "$scenario" = failover ]; then
      drill "failover-$run" failover "$ENV" --to dr
      drill "failback-$run" failback "$ENV"
    else
      drill "$scenario-$run" drill "$ENV" --scenario "$scenario"
    fi
  done
done

"$PYTHON" - "$out" <<'EOF'
import json, statistics, sys
from pathlib import Path

out = Path(sys.argv[1])
reports: dict[str, list[dict]] = {}
for file in sorted(out.glob("*.json")):
    try:
        data = json.loads(file.read_text())
    except ValueError:
        continue
    reports.setdefault(data["scenario"], []).append(data)

def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return f"{min(values):7.2f} {statistics.median(values):7.2f} {max(values):7.2f}"

print(f"{'scenario':18} {'runs':>4} {'passed':>6}   {'RTO s (min med max)':23}   {'lost writes':23}   "
      f"{'lost span s':23}   planned switch outage s")
for scenario, runs in reports.items():
    outages = [s["write_outage_seconds"] for r in runs for s in r.get("planned_switches", [])]
    print(f"{scenario:18} {len(runs):4} {sum(r['passed'] for r in runs):6}   "
          f"{stats([r['rto_seconds'] for r in runs]):23}   "
          f"{stats([r['rpo']['lost_writes'] for r in runs]):23}   "
          f"{stats([r['rpo']['lost_span_seconds'] for r in runs]):23}   {stats(outages)}")
    for r in runs:
        if not r["passed"]:
            print(f"  {scenario} did not pass: verdict {r['verdict']}, left {r['left']}, error {r['error']}")
EOF
if [ -s "$out/quiet.txt" ]; then cat "$out/quiet.txt"; fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reports: $out"
