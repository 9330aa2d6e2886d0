#!/usr/bin/env bash
# Batch evaluation benchmark: Strata's in-memory engine against DuckDB on the same events.
#
#   Benchmarks/engine_bench.sh [USERS] [WORKDIR]     (default: 1000000 users, /tmp/strata-bench)
#
# Generates `strata generate --profile saas --users USERS --days 90 --seed 1` (once), imports it into
# a workspace holding the examples' definitions (once), then measures:
#   (a) reading the store and building the timelines, and (b) evaluating every example definition
#       on all cores: both from `strata run` (its footer), with peak RSS from /usr/bin/time;
#   (c) DuckDB running the hand-written reference SQL for the catalog segments over the same events,
#       already loaded in DuckDB's memory (Benchmarks/duckdb_catalog.py, best of 3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
users="${1:-1000000}"
work="${2:-/tmp/strata-bench}"
as_of="2026-07-01T00:00:00Z"
cd "$root"
source Benchmarks/setup.sh
setup_saas "$users" 90 "$work" define_examples
duckdb_venv

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
echo "== dataset: $(wc -l <"$data") messages, $users users (saas, 90 days, seed 1)"
echo "== strata run (a: load + timelines, b: eval), as of $as_of"
/usr/bin/time -f "peak RSS %M KiB, wall %e s" "$strata" run -w "$ws" --as-of "$as_of" | tail -1
echo "== DuckDB (c): reference SQL for the catalog segments, data already in memory"
.venv/bin/python Benchmarks/duckdb_catalog.py "$data" --as-of "$as_of"
