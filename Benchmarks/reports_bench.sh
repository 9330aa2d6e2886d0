#!/usr/bin/env bash
# Reports benchmark: retention, conversion and overlap of 4 segments, Strata against DuckDB.
#
#   Benchmarks/reports_bench.sh [USERS] [WORKDIR]     (default: 1000000 users, /tmp/strata-bench)
#
# Uses the engine benchmark's dataset and workspace (saas, 90 days, seed 1; the examples'
# definitions), made once by Benchmarks/setup.sh, then runs Benchmarks/reports_bench.py.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
users="${1:-1000000}"
work="${2:-/tmp/strata-bench}"
cd "$root"
source Benchmarks/setup.sh
setup_saas "$users" 90 "$work" define_examples
duckdb_venv
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
echo "== dataset: $(wc -l <"$data") messages, $users users (saas, 90 days, seed 1)"
.venv/bin/python Benchmarks/reports_bench.py "$strata" "$ws" "$data"
