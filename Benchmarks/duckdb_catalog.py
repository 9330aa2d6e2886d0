#!/usr/bin/env python3
"""Times the hand-written DuckDB reference segments (scripts/reference/) over a JSONL file.

    .venv-diff/bin/python Benchmarks/duckdb_catalog.py events.jsonl [--as-of 2026-07-01T00:00:00Z]

Loads the messages into an in-memory DuckDB once (timed on its own), builds the
identity-resolved views for the instant (the prelude: dedup by messageId, time <= now,
identity links, events, traits; timed on its own, best of N), then runs every reference query N
times and keeps each query's best time. Prints JSON to stdout:

    load_seconds             read_json into the `messages` table (once)
    prepare_seconds          the prelude for the instant (best of N)
    queries[NAME].seconds    one segment query (best of N), with its member count
    queries_total_seconds    sum of the per-query bests
    total_seconds            prepare_seconds + queries_total_seconds: one evaluation of all
                             the segments from loaded messages
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "reference"))
import duckdb  # noqa: E402
import reference  # noqa: E402


def best_of(repeat: int, action) -> tuple[float, object]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("jsonl", help="messages as JSONL (strata generate)")
    ap.add_argument("--as-of", help="evaluation instant (ISO 8601; default: the latest message time)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement, the best is kept")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, every core)")
    ap.add_argument("--segments", help="comma-separated subset of the reference segments")
    args = ap.parse_args()

    names = reference.segment_names()
    if args.segments:
        names = [s.strip() for s in args.segments.split(",") if s.strip()]

    con = reference.connect(args.threads)
    load_seconds, rows = best_of(1, lambda: reference.load(con, args.jsonl))
    now = reference.parse_instant(args.as_of) if args.as_of else reference.max_time_ms(con)

    prepare_seconds, _ = best_of(args.repeat, lambda: reference.prepare(con, now))
    counts = con.execute(
        "SELECT (SELECT count(*) FROM profiles), (SELECT count(*) FROM events), (SELECT count(*) FROM m)"
    ).fetchone()

    queries = {}
    for name in names:
        seconds, members = best_of(args.repeat, lambda: reference.members(con, name))
        queries[name] = {"seconds": round(seconds, 6), "members": len(members)}
    queries_total = sum(q["seconds"] for q in queries.values())

    report = {
        "engine": "duckdb",
        "duckdb_version": duckdb.__version__,
        "python": platform.python_version(),
        "file": os.path.abspath(args.jsonl),
        "as_of": reference.format_instant(now),
        "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
        "repeat": args.repeat,
        "messages": rows,
        "messages_at_or_before_now": counts[2],
        "profiles": counts[0],
        "events": counts[1],
        "segments": len(names),
        "load_seconds": round(load_seconds, 6),
        "prepare_seconds": round(prepare_seconds, 6),
        "queries_total_seconds": round(queries_total, 6),
        "total_seconds": round(prepare_seconds + queries_total, 6),
        "queries": queries,
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
