#!/usr/bin/env bash
# The server's start without a snapshot and a definition change, timed from outside (issue 31).
#
#   Benchmarks/serve_start_bench.sh STRATA WORKSPACE [STARTS]   (default: 3 starts)
#
# WORKSPACE is a benchmark workspace, such as the 600,000-user one of live_bench.py / restart_bench.py
# (`/tmp/rb/live-600000`, 10.0M messages): the script deletes its real-time state. Each start removes
# the engine's snapshot and the recorded memberships, changes and checkpoint, as before the server's
# first start, then times `strata serve` from launch to `GET /ready` answering 200, with the CPU time
# the server used by then and its resident memory. Then one more server takes two `PUT
# /api/v1/segments/serve-start-probe` of different definitions, each timed to its answer (the change
# applied), and the probe segment is removed. A timelines file covering the store makes the start
# fast: `strata import` into a workspace with definitions keeps it current.
set -uo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    sed -n '4p' "$0" | sed 's/^# *//' >&2
    exit 2
fi
strata="$(realpath "$1")" ws="$(realpath "$2")" starts="${3:-3}"
port=$((20000 + RANDOM % 20000))
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
serve() {
    "$strata" serve -w "$ws" --port "$port" >>"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 3000); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "localhost:$port/ready")" = 200 ] && return 0
        sleep 0.1
    done
    echo "not ready after 300 s; see the server's log:" >&2
    tail -5 "$log" >&2
    return 1
}
stop() { kill -INT "$pid" && wait "$pid"; }
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null)"
for round in $(seq 1 "$starts"); do
    rm -f "$ws/data/strata.db-live-snapshot"
    sqlite3 "$ws/data/strata.db" \
        "DELETE FROM live_state; DELETE FROM live_members; DELETE FROM membership_changes; DELETE FROM recomputations;"
    started=$(date +%s.%N)
    serve || exit 1
    ready=$(date +%s.%N)
    cpu=$(awk '{ print ($14 + $15) / 100 }' "/proc/$pid/stat")
    rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
    printf 'start %d: ready after %.2f s, %.1f s of CPU, %d MB resident\n' "$round" "$(echo "$ready - $started" | bc)" "$cpu" "$rss"
    stop
done
admin="$("$strata" keys create --kind admin -w "$ws")"
serve || exit 1
for count in 3 4; do
    before=$(date +%s.%N)
    code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $admin" \
        -H 'Content-Type: application/yaml' --data-binary "where: count(\"Page Viewed\", last 7d) >= $count" \
        "localhost:$port/api/v1/segments/serve-start-probe")
    printf 'definition change %d: %s after %.2f s\n' "$count" "$code" "$(echo "$(date +%s.%N) - $before" | bc)"
done
curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $admin" "localhost:$port/api/v1/segments/serve-start-probe"
stop
