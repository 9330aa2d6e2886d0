#!/usr/bin/env bash
# Before/after comparison of two strata binaries on the existing benchmarks, in one run on one machine.
#
#   [ROUNDS=N] Benchmarks/compare.sh BASE_BINARY NEW_BINARY [WORKDIR]   (default WORKDIR: /tmp/strata-compare)
#
# Runs each benchmark below for BASE, then for NEW, before going on to the next one, so both builds
# see the same machine state as nearly as one run allows. With ROUNDS=N (default 1) each benchmark
# runs N times a side, alternating base new / new base, and the table gives each side's median.
# Each binary gets its own directory (WORKDIR/base, WORKDIR/new, emptied at the start) and makes its
# own data and workspaces in it; a note is printed when the two binaries generate different data.
# About 8 minutes a round on 2 cores.
#
#   import    Benchmarks/import_bench.py at 60,000 users: `strata import` of the 1,001,591-message
#             generated saas file (90 days, seed 1) into a fresh workspace, process start to exit
#   ingest    Benchmarks/ingest_bench.py --batch 100 --seconds 3: `strata serve` with examples/,
#             wrk posting /v1/batch bodies of 100 events on 64 connections
#   live      Benchmarks/live_bench.py --users 100000 --fresh: event to membership change on the change
#             stream at half of the peak ingest each binary measures first (400 probes); with
#             LIVE_RATE=R, at R events/s for both instead (no peak run)
#   restart   Benchmarks/restart_bench.py --users 100000 --restarts 3 --fresh: restarts from the engine's
#             snapshot after graceful stops (median), and the restart after SIGKILL
#   run       Benchmarks/engine_bench.sh at 100,000 users: `strata run` footer (load, eval) and its
#             wall time from /usr/bin/time; engine_bench.sh builds strata with `swift build`, so it
#             is run with a stand-in `swift` first on PATH that points it at the binary under test.
#             Its DuckDB figure does not depend on the binary: it is printed as a control for drift.
#
# Each benchmark's whole output is kept in WORKDIR/{base,new}/NAME.ROUND.log. Needs wrk (Debian package
# `wrk`), /usr/bin/time, and python3; makes .venv with duckdb==1.5.6 at the repository's root if
# missing, as engine_bench.sh does. Ends with one table: benchmark, base, new, new/base.
set -uo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    sed -n '4p' "$0" | sed 's/^# *//' >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${3:-/tmp/strata-compare}"
import_users=60000
live_users=100000
restarts=3
rounds="${ROUNDS:-1}"
run_users=100000

for tool in wrk /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing" >&2; exit 1; }
done
mkdir -p "$work"
work="$(cd "$work" && pwd)"
if [ -n "$(ls -A "$work")" ] && [ ! -f "$work/.strata-compare" ]; then
    echo "compare.sh: $work is not empty and was not made by compare.sh" >&2
    exit 1
fi
touch "$work/.strata-compare"
rm -f "$work/notes"
if [ ! -x "$root/.venv/bin/python" ]; then python3 -m venv "$root/.venv"; fi
"$root/.venv/bin/python" -c 'import duckdb' 2>/dev/null || "$root/.venv/bin/pip" install --quiet duckdb==1.5.6
python="$root/.venv/bin/python"

# WORKDIR/SIDE/bin holds the binary under test as `strata` and a stand-in `swift` for setup.sh:
# `swift build ... --show-bin-path` prints this folder, any other `swift build` does nothing.
for side in base new; do
    binary="$1"; [ "$side" = new ] && binary="$2"
    [ -x "$binary" ] || { echo "compare.sh: $binary is not an executable" >&2; exit 1; }
    rm -rf "${work:?}/$side"
    mkdir -p "$work/$side/bin"
    ln -s "$(realpath "$binary")" "$work/$side/bin/strata"
    printf '#!/bin/sh\ncase " $* " in *" --show-bin-path "*) dirname "$0" ;; esac\n' >"$work/$side/bin/swift"
    chmod +x "$work/$side/bin/swift"
done

failed=0
# bench NAME: runs the function NAME ROUNDS times a side, with $side and $strata set, each run's
# output to WORKDIR/SIDE/NAME.ROUND.log.
bench() {
    local name="$1" round order log started
    for round in $(seq "$rounds"); do
        order="base new"; [ $((round % 2)) = 0 ] && order="new base"
        for side in $order; do
            strata="$work/$side/bin/strata"
            log="$work/$side/$name.$round.log"
            started=$(date +%s)
            echo "== $name, round $round: $side ($(date +%H:%M:%S), load average $(cut -d' ' -f1 /proc/loadavg))"
            if ! "$name" >"$log" 2>&1; then
                echo "   FAILED, see $log"
                failed=1
            fi
            echo "   $(($(date +%s) - started)) s"
        done
    done
}
# same_data FILE: a note when the two binaries generated different FILE (then the inputs differ too).
same_data() {
    cmp -s "$work/base/$1" "$work/new/$1" || echo "note: base and new generated different $1" | tee -a "$work/notes"
}
import() { "$python" "$root/Benchmarks/import_bench.py" "$strata" "$work/$side/import" "$import_users"; }
ingest() { "$python" "$root/Benchmarks/ingest_bench.py" "$strata" "$work/$side/ingest" --batch 100 --seconds 3; }
live() {
    "$python" "$root/Benchmarks/live_bench.py" "$strata" "$work/$side/live" --users "$live_users" --fresh \
        ${LIVE_RATE:+--rate "$LIVE_RATE"}
}
restart() {
    "$python" "$root/Benchmarks/restart_bench.py" "$strata" "$work/$side/restart" --users "$live_users" \
        --restarts "$restarts" --fresh
}
run() { PATH="$work/$side/bin:$PATH" bash "$root/Benchmarks/engine_bench.sh" "$run_users" "$work/$side/run"; }

began=$(date +%s)
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), base $1, new $2, $rounds round(s), in $work"
bench import
same_data "import/saas-$import_users.jsonl"
bench ingest
same_data ingest/saas-100000.jsonl
bench live
bench restart
bench run
same_data "run/saas-$run_users.jsonl"
elapsed=$(($(date +%s) - began))

"$python" - "$work" "$elapsed" <<'EOF'
import glob, json, re, statistics, sys

work, elapsed = sys.argv[1], int(sys.argv[2])


def objects(text):
    """Every top-level JSON object in a log, in order (one-line or indented)."""
    found, decoder, at = [], json.JSONDecoder(), 0
    while (at := text.find("{", at)) >= 0:
        try:
            value, end = decoder.raw_decode(text, at)
            found.append(value)
            at = end
        except ValueError:
            at += 1
    return found


def figures(side):
    """Each figure's median over the side's rounds."""
    out = {}

    def take(name, pick):
        for path in sorted(glob.glob(f"{work}/{side}/{name}.*.log")):
            try:
                with open(path) as f:
                    for key, value in pick(f.read()).items():
                        if value is not None:
                            out.setdefault(key, []).append(value)
            except Exception as error:  # a failed or cut-short run: it gives no figures
                print(f"{path}: no figures ({type(error).__name__}: {error})", file=sys.stderr)

    def imported(text):
        o = [o for o in objects(text) if "strata_messages_per_s" in o][-1]
        return {"import msgs/s": o["strata_messages_per_s"], "import s": o["strata_seconds"]}

    def ingest(text):
        o = [o for o in objects(text) if o.get("batch") == 100][-1]
        assert o["failures"] == 0, f"{o['failures']} failed requests"
        return {"ingest events/s": o["events_per_second"], "ingest p99 ms": o["latency_ms"]["p99"],
                "ingest cpu us/event": o["server_cpu_us_per_event"]}

    def live(text):
        o = [o for o in objects(text) if "event_to_change" in o][-1]
        return {"live p99 ms": o["event_to_change"]["p99_ms"], "live p50 ms": o["event_to_change"]["p50_ms"],
                "live missing": o["event_to_change_missing"], "live peak events/s": o.get("peak_events_per_second"),
                "live load events/s": o["background_events_per_second"],
                "live eval us/msg": o["evaluation_us_per_message"]}

    def restart(text):
        o = [o for o in objects(text) if "restarts" in o][-1]
        return {"restart s": statistics.median(r["seconds"] for r in o["restarts"]),
                "restart after kill s": o["after_kill"]["seconds"], "first start s": o["first"]["seconds"]}

    def run(text):
        load, timelines, evaluation = re.search(r"load ([\d.]+) s \(timelines ([\d.]+) s\) · eval ([\d.]+) s", text).groups()
        rss, wall = re.search(r"peak RSS (\d+) KiB, wall ([\d.]+) s", text).groups()
        duck = [o for o in objects(text) if o.get("engine") == "duckdb"][-1]
        return {"run load s": float(load), "run eval s": float(evaluation), "run wall s": float(wall),
                "run peak RSS MB": round(int(rss) / 1024), "control duckdb s": duck["total_seconds"]}

    for name, pick in (("import", imported), ("ingest", ingest), ("live", live), ("restart", restart), ("run", run)):
        take(name, pick)
    return {key: statistics.median(values) for key, values in out.items()}


rows = [
    ("import", "import msgs/s", "higher"), ("", "import s", "lower"),
    ("ingest batch 100", "ingest events/s", "higher"), ("", "ingest p99 ms", "lower"),
    ("", "ingest cpu us/event", "lower"),
    ("live 100k users", "live p99 ms", "lower"), ("", "live p50 ms", "lower"), ("", "live missing", "lower"),
    ("", "live peak events/s", "higher"), ("", "live load events/s", "higher"), ("", "live eval us/msg", "lower"),
    ("restart 100k users", "restart s", "lower"), ("", "restart after kill s", "lower"),
    ("", "first start s", "lower"),
    ("strata run", "run load s", "lower"), ("", "run eval s", "lower"), ("", "run wall s", "lower"),
    ("", "run peak RSS MB", "lower"), ("", "control duckdb s", "same"),
]
base, new = figures("base"), figures("new")
line = "| {:<20} | {:<22} | {:>12} | {:>12} | {:>9} | {:<6} |"
print()
print(line.format("benchmark", "figure", "base", "new", "new/base", "better"))
print(line.format(*["-" * 20, "-" * 22, "-" * 12, "-" * 12, "-" * 9, "-" * 6]))
for group, key, better in rows:
    b, n = base.get(key), new.get(key)
    ratio = f"{n / b:.3f}" if b and n is not None else "-"
    shown = ["-" if v is None else f"{int(v):,}" if v == int(v) else f"{v:,.0f}" if v >= 1000 else f"{v:.2f}"
             for v in (b, n)]
    print(line.format(group, key, shown[0], shown[1], ratio, better))
print(f"\nwhole run: {elapsed // 60} min {elapsed % 60} s; logs in {work}/base and {work}/new")
EOF
summary=$?
[ -f "$work/notes" ] && cat "$work/notes"
exit $((failed || summary))
