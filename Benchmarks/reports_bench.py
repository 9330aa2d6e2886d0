#!/usr/bin/env python3
"""Reports benchmark: `strata report retention | conversion | overlap` for 4 segments against DuckDB
running the same reports as hand-written SQL over the same events (not a test: it asserts nothing
about time). Run by Benchmarks/reports_bench.sh, which prepares the dataset and the workspace.

    reports_bench.py STRATA WORKSPACE EVENTS.jsonl [--as-of T] [--segments a,b,c,d] [--repeat 3]

Strata: each report once, as a whole process; its JSON `timing` splits reading the store into
timelines (load) from the rest (evaluate: the segments' members, the events that count, the
counting). DuckDB: the messages are loaded and the identity-resolved prelude of scripts/reference
built once (timed apart); then each report is the reference SQL of the 4 segments' members and the
report's counting query (best of --repeat), data already in memory: what DuckDB does for the same
answer once it has the data, to compare with Strata's evaluate. The counts of both are compared, so
the two answer the same question. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "reference"))
import reference  # noqa: E402

DAY = 86_400_000
DAYS = [1, 7, 30, 90]
GOAL = "Plan Upgraded"
WITHIN = 30 * DAY


def strata_report(strata: str, ws: str, args: list[str]) -> tuple[dict, float]:
    started = time.perf_counter()
    out = subprocess.run([strata, "report", *args, "-w", ws, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out), time.perf_counter() - started


def best_of(repeat: int, action):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def members_sql(segments: list[str]) -> str:
    parts = [f"SELECT '{name}' AS seg, profile FROM ({reference.segment_sql(name).rstrip().rstrip(';')})"
             for name in segments]
    return "CREATE OR REPLACE TEMP TABLE cohort AS " + " UNION ALL ".join(parts)


# The cohorts: each segment's members and every profile (the baseline), with day 0 at first seen.
COHORTS = """c AS (
            SELECT k.seg, k.profile, s.first_seen AS d0
            FROM (SELECT seg, profile FROM cohort UNION ALL SELECT 'baseline', profile FROM profiles) k
            JOIN seen s USING (profile)
        )"""


def duckdb_retention(con, segments: list[str], as_of: int) -> dict:
    con.execute(members_sql(segments))
    rows = con.execute(f"""
        WITH {COHORTS},
        d AS (SELECT CAST(unnest({DAYS}) AS BIGINT) AS n),
        x AS (
            SELECT c.seg, c.profile, c.d0, d.n,
                   EXISTS (SELECT 1 FROM events e WHERE e.profile = c.profile AND e.t >= c.d0 + d.n * {DAY}
                           AND e.t < c.d0 + (d.n + 1) * {DAY}) AS returned
            FROM c CROSS JOIN d
        )
        SELECT seg, n, count(*), count(*) FILTER (WHERE d0 + (n + 1) * {DAY} <= {as_of}),
               count(*) FILTER (WHERE d0 + (n + 1) * {DAY} <= {as_of} AND returned)
        FROM x GROUP BY seg, n
    """).fetchall()
    return {(seg, n): (size, eligible, returned) for seg, n, size, eligible, returned in rows}


def duckdb_conversion(con, segments: list[str], as_of: int) -> dict:
    con.execute(members_sql(segments))
    rows = con.execute(f"""
        WITH {COHORTS},
        x AS (
            SELECT c.seg, c.d0,
                   EXISTS (SELECT 1 FROM events g WHERE g.profile = c.profile AND g.name = '{GOAL}'
                           AND g.t > c.d0 AND g.t <= c.d0 + {WITHIN}) AS converted
            FROM c
        )
        SELECT seg, count(*), count(*) FILTER (WHERE d0 + {WITHIN} <= {as_of}),
               count(*) FILTER (WHERE d0 + {WITHIN} <= {as_of} AND converted)
        FROM x GROUP BY seg
    """).fetchall()
    return {seg: (size, eligible, converted) for seg, size, eligible, converted in rows}


def duckdb_overlap(con, segments: list[str]) -> dict:
    con.execute(members_sql(segments))
    rows = con.execute("""
        SELECT a.seg, b.seg, count(*) FROM cohort a JOIN cohort b ON a.profile = b.profile AND a.seg <> b.seg
        GROUP BY a.seg, b.seg
    """).fetchall()
    return {(a, b): n for a, b, n in rows}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("strata")
    ap.add_argument("workspace")
    ap.add_argument("events")
    ap.add_argument("--as-of", default="2026-07-01T00:00:00Z")
    ap.add_argument("--segments", default="team-collaborators,single-user-trialists,paying,at-risk-users")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    segments = args.segments.split(",")
    as_of = reference.parse_instant(args.as_of)
    common = ["--as-of", args.as_of]

    strata = {}
    retention, wall = strata_report(args.strata, args.workspace,
                                    ["retention", *segments, "--days", ",".join(map(str, DAYS)), *common])
    strata["retention"] = {**retention["timing"], "wall_seconds": round(wall, 3)}
    conversion, wall = strata_report(args.strata, args.workspace,
                                     ["conversion", *segments, "--goal", f'"{GOAL}"', "--within", "30d", *common])
    strata["conversion"] = {**conversion["timing"], "wall_seconds": round(wall, 3)}
    overlap, wall = strata_report(args.strata, args.workspace, ["overlap", *segments, *common])
    strata["overlap"] = {**overlap["timing"], "wall_seconds": round(wall, 3)}

    con = reference.connect()
    started = time.perf_counter()
    reference.load(con, args.events)
    load_seconds = time.perf_counter() - started
    prepare_seconds, _ = best_of(1, lambda: reference.prepare(con, as_of))
    duck = {}
    duck["retention"], ret = best_of(args.repeat, lambda: duckdb_retention(con, segments, as_of))
    duck["conversion"], conv = best_of(args.repeat, lambda: duckdb_conversion(con, segments, as_of))
    duck["overlap"], over = best_of(args.repeat, lambda: duckdb_overlap(con, segments))

    # The same answers: counts of both.
    agree = {
        "retention": all(
            ret.get((r["cohort"], int(r["day"])), (0, 0, 0)) == (r["size"], r["eligible"], r["returned"])
            for r in retention["rows"]),
        "conversion": all(
            conv.get(r["cohort"], (0, 0, 0)) == (r["size"], r["eligible"], r["converted"])
            for r in conversion["rows"]),
        "overlap": all(over.get((r["a"], r["b"]), 0) == r["count"] for r in overlap["rows"]),
    }
    print(json.dumps({
        "segments": segments, "as_of": args.as_of,
        "strata": strata,
        "duckdb": {"load_seconds": round(load_seconds, 3), "prepare_seconds": round(prepare_seconds, 3),
                   **{k: round(v, 3) for k, v in duck.items()}},
        "duckdb_over_strata_evaluate": {
            k: round(duck[k] / max(strata[k]["evaluate_seconds"], 1e-9), 2) for k in duck},
        "same_counts": agree,
    }, indent=2))
    return 0 if all(agree.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
