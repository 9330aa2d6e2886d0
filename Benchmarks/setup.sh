# Shared by the benchmark scripts (sourced, not run): builds strata in release mode, generates a saas
# dataset once and imports it into a workspace once.
#
#   setup_saas USERS DAYS WORKDIR DEFINE
#
# Sets $strata (the binary), $data (WORKDIR/saas-USERS.jsonl, or saas-USERS-DAYSd.jsonl for other
# than 90 days; seed 1, ending 2026-07-01) and $ws (WORKDIR/ws-USERS). DEFINE is a command called
# with a new workspace's path before the import, to copy definitions into it.
setup_saas() {
    local users="$1" days="$2" work="$3" define="$4"
    mkdir -p "$work"
    swift build -c release --product strata >&2
    strata="$(swift build -c release --show-bin-path)/strata"
    data="$work/saas-$users.jsonl"
    if [ "$days" != 90 ]; then data="$work/saas-$users-${days}d.jsonl"; fi
    ws="$work/ws-$users"
    if [ ! -f "$data" ]; then
        "$strata" generate --profile saas --users "$users" --days "$days" --seed 1 --out "$data"
    fi
    if [ ! -f "$ws/strata.yaml" ]; then
        "$strata" init "$ws" >/dev/null
        "$define" "$ws"
        "$strata" import "$data" -w "$ws"
    fi
}

# Copies the examples' segments, scores and stages into the workspace at $1 (a DEFINE for setup_saas).
define_examples() {
    cp examples/segments/*.yaml "$1/segments/"
    cp examples/scores/*.yaml "$1/scores/"
    cp examples/stages/*.yaml "$1/stages/"
}

# Makes .venv at the repository's root with duckdb==1.5.6, if it lacks either.
duckdb_venv() {
    if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
    .venv/bin/python -c 'import duckdb' 2>/dev/null || .venv/bin/pip install --quiet duckdb==1.5.6
}
