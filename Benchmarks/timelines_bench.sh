#!/usr/bin/env bash
# Before/after of the timelines file (issue 31): two strata binaries on the same data, in one run.
#
#   Benchmarks/timelines_bench.sh BASE_BINARY NEW_BINARY DATA.jsonl [WORKDIR]   (default: /tmp/strata-timelines)
#
# DATA is `strata generate --profile saas --users N --days 90 --seed 1 --out DATA`. For each binary,
# imports DATA into a fresh workspace holding the examples' segments, scores and stages (whole
# process, /usr/bin/time), then runs `strata run` as of 2026-07-01T00:00:00Z three times a side,
# alternating (footer and whole-process wall time, peak RSS), then `strata members trial-activated`
# and `strata rfm`. Ends with `strata timelines rebuild` of the new workspace, which prints the file's
# bytes per event.
set -uo pipefail
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    sed -n '4p' "$0" | sed 's/^# *//' >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$(realpath "$1")" new="$(realpath "$2")" data="$(realpath "$3")" work="${4:-/tmp/strata-timelines}"
as_of=2026-07-01T00:00:00Z
mkdir -p "$work"
cd "$work"
echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); data: $(wc -l <"$data") messages"
binary() { if [ "$1" = new ]; then echo "$new"; else echo "$base"; fi; }
for side in base new; do
    rm -rf "ws-$side"
    "$(binary $side)" init "ws-$side" >/dev/null
    cp "$root"/examples/segments/*.yaml "ws-$side/segments/"
    cp "$root"/examples/scores/*.yaml "ws-$side/scores/"
    cp "$root"/examples/stages/*.yaml "ws-$side/stages/"
    /usr/bin/time -f "$side import: wall %e s, peak RSS %M KiB" "$(binary $side)" import "$data" -w "ws-$side" 2>&1 |
        grep -E "^Read|: wall "
done
for round in 1 2 3; do
    for side in base new; do
        /usr/bin/time -f "$side run $round: wall %e s, peak RSS %M KiB" \
            "$(binary $side)" run -w "ws-$side" --as-of "$as_of" 2>&1 | grep -E "^as of|: wall "
    done
done
for side in base new; do
    /usr/bin/time -f "$side members: wall %e s" "$(binary $side)" members trial-activated -w "ws-$side" \
        --as-of "$as_of" --format ids 2>&1 >/dev/null | tail -1
    /usr/bin/time -f "$side rfm: wall %e s" "$(binary $side)" rfm -w "ws-$side" --as-of "$as_of" 2>&1 >/dev/null |
        tail -1
done
"$new" timelines rebuild -w ws-new 2>/dev/null
echo "== load $(cut -d' ' -f1-3 /proc/loadavg)"
