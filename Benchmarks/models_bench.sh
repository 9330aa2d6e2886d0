#!/usr/bin/env bash
# Scores, RFM and stage models at scale: what `strata run`, `strata rfm` and `strata stages` take.
#
#   Benchmarks/models_bench.sh [USERS] [WORKDIR]     (default: 1000000 users, /tmp/strata-models-bench)
#
# Generates `strata generate --profile saas --users USERS --days 90 --seed 1` (once) and imports it
# (once) into a workspace holding the examples' scores, stage models, rfm.yaml and traits.yaml, and
# only the catalog segments that read scores. Then, as of the end of the data, each command reads the
# store, builds the timelines and evaluates; its footer splits load and evaluation:
#   strata run     the 3 weighted scores and the 4 segments reading them,
#   strata rfm     the RFM pass (SaaS mapping) and the report,
#   strata stages  the 3 stage models,
# with wall time and peak RSS of the whole process from /usr/bin/time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
users="${1:-1000000}"
work="${2:-/tmp/strata-models-bench}"
as_of="2026-07-01T00:00:00Z"
cd "$root"
source Benchmarks/setup.sh
define() {
    # The weighted scores; the logistic one needs `strata train` first (Benchmarks/train_bench.sh).
    cp examples/scores/{expansion,churn-risk,conversion}.yaml "$1/scores/"
    cp examples/stages/*.yaml "$1/stages/"
    cp examples/rfm.yaml examples/traits.yaml "$1/"
    for segment in expansion-no-premium churn-winback conversion-demo manufacturing-expansion; do
        cp "examples/segments/$segment.yaml" "$1/segments/"
    done
}
setup_saas "$users" 90 "$work" define

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== dataset: $(wc -l <"$data") messages, $users users (saas, 90 days, seed 1), as of $as_of"
for command in run rfm stages; do
    echo "== strata $command"
    /usr/bin/time -f "peak RSS %M KiB, wall %e s" "$strata" "$command" -w "$ws" --as-of "$as_of" 2>&1 >"$work/$command.out" \
        | grep -v '^\s*$' | tail -1
    tail -1 "$work/$command.out"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
