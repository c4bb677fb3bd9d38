# Sourced by the benchmarks: run a qvctl command with its output kept in $logs (which the caller
# makes), failing loudly with its last lines, and time it.
now() { date +%s.%N; }
# run NAME CMD...: run a command, keep its output in $logs/NAME.log
run() {
  local name=$1; shift
  if ! "$@" >"$logs/$name.log" 2>&1; then
    echo "bench: '$*' failed:" >&2
    tail -n 20 "$logs/$name.log" >&2
    exit 1
  fi
}
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
