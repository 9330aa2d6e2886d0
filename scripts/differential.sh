#!/usr/bin/env bash
# Differential test of Strata's segment membership against the hand-written DuckDB reference
# (scripts/reference/). Prepares a venv with duckdb at .venv, finds or builds the release
# strata binary, and runs scripts/differential.py with the given arguments.
#
#   scripts/differential.sh                      # 3 datasets x 3 instants, 5,000 users each
#   scripts/differential.sh --users 1000 --datasets saas --segments at-risk-users
#   STRATA=/path/to/strata scripts/differential.sh   # use this binary, no build
#   SWIFT_SCRATCH=.build-diff scripts/differential.sh  # build in another scratch folder
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb==1.5.6
fi

if [ -n "${STRATA:-}" ]; then
    strata="$STRATA"
else
    scratch=()
    if [ -n "${SWIFT_SCRATCH:-}" ]; then
        scratch=(--scratch-path "$SWIFT_SCRATCH")
    fi
    # Incremental: quick when the binary is up to date, and never a stale binary.
    swift build -c release "${scratch[@]}" --product strata >&2
    strata="$(swift build -c release "${scratch[@]}" --show-bin-path)/strata"
fi
if [ ! -x "$strata" ]; then
    echo "differential: no strata binary at $strata" >&2
    exit 2
fi

exec "$venv/bin/python" "$root/scripts/differential.py" --strata "$strata" "$@"
