#!/usr/bin/env bash
# Training benchmark: `strata train` on 3 snapshots, and `strata signals`, over generated SaaS data.
#
#   Benchmarks/train_bench.sh [USERS] [WORKDIR]     (default: 1000000 users, /tmp/strata-train-bench)
#
# Generates `strata generate --profile saas --users USERS --days 120 --seed 1` (once; it ends at
# 2026-07-01), imports it into a workspace holding the examples' segments and scores, among them the
# example logistic model examples/scores/upgrade-propensity.yaml (train_as_of 2026-04-01,
# 2026-05-01, 2026-06-01; label `next 30d`), then times `strata train upgrade-propensity` and
# `strata signals` with peak RSS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
users="${1:-1000000}"
work="${2:-/tmp/strata-train-bench}"
cd "$root"
source Benchmarks/setup.sh
setup_saas "$users" 120 "$work" true
cp examples/segments/*.yaml "$ws/segments/"
cp examples/scores/*.yaml "$ws/scores/"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
echo "== dataset: $(wc -l <"$data") messages, $users users (saas, 120 days, seed 1)"
echo "== strata train upgrade-propensity (3 snapshots)"
/usr/bin/time -f "peak RSS %M KiB, wall %e s" "$strata" train upgrade-propensity -w "$ws"
echo "== strata signals, as of 2026-06-01"
/usr/bin/time -f "peak RSS %M KiB, wall %e s" "$strata" signals -w "$ws" \
    --outcome 'did("Plan Upgraded", next 30d)' --as-of 2026-06-01 --limit 10
