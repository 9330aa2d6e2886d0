#!/usr/bin/env python3
"""Differential test: Strata's segment membership against an independent DuckDB reference.

For each generated dataset (saas, ecommerce, media; 5,000 users by default) and each evaluation
instant, and for the hand-built edge-case timelines of scripts/reference/selftest.py, every reference
segment (scripts/reference/NAME.sql, written by hand from docs, not from Strata's engine) is
compared with `strata members NAME -w WS --as-of T --format ids`. The two lists must be
identical, byte for byte.

Fails (exit 1) on any difference, on a reference whose `-- where:` line no longer matches the
example segment's `where:`, on a segment missing from examples/segments, and on a segment that
is empty in every dataset and instant (a reference that never has members proves nothing).
Ends with `N passed, M failed` (segments).

Usually run through scripts/differential.sh, which prepares the venv and the binary.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "reference"))
import reference  # noqa: E402
import selftest  # noqa: E402

# (profile, seed, days): ecommerce spans 240 days so the 2025-11-20..12-02 sale is inside it.
# "edges" is not generated: it is the hand-built timelines of scripts/reference/selftest.py (most
# on a window edge), evaluated at the selftest's own instants.
DATASETS = [("saas", 7, 120), ("ecommerce", 11, 240), ("media", 13, 120), ("edges", 0, 0)]
DEFAULT_END = "2026-07-01T00:00:00Z"
# Offsets before the dataset end: the end itself (a Wednesday 00:00), the Sunday 22:00 before it
# (weekend segments need a weekend in the current week), and 10 days before.
DEFAULT_OFFSETS_H = [0, 50, 240]


@dataclass
class Outcome:
    sizes: list[tuple[str, int, int | None]] = field(default_factory=list)  # (where, duck, strata)
    failures: list[str] = field(default_factory=list)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


def must(cmd: list[str], what: str) -> str:
    proc = run(cmd)
    if proc.returncode != 0:
        sys.stderr.write(f"{what} failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}\n")
        sys.exit(2)
    return proc.stdout


def yaml_where(path: Path) -> str | None:
    """The `where:` of a segment file: inline, quoted, or a `>` / `|` block (enough YAML for these)."""
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^where:\s*(.*)$", line)
        if not m:
            continue
        rest = m.group(1).strip()
        if rest and rest[0] in ">|":
            block = []
            for nxt in lines[i + 1:]:
                if nxt.strip() == "":
                    block.append("")
                    continue
                if not nxt.startswith((" ", "\t")):
                    break
                block.append(nxt.strip())
            return " ".join(b for b in block if b)
        if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
            inner = rest[1:-1]
            return inner.replace("''", "'") if rest[0] == "'" else inner.replace('\\"', '"').replace("\\\\", "\\")
        return rest
    return None


def normalise(expr: str) -> str:
    return re.sub(r"\s+", " ", expr).replace("( ", "(").replace(" )", ")").strip()


def strata_members(strata: str, ws: Path, name: str, as_of: str) -> tuple[list[str] | None, str]:
    proc = run([strata, "members", name, "-w", str(ws), "--as-of", as_of, "--format", "ids"])
    if proc.returncode != 0:
        message = (proc.stderr or proc.stdout or f"exit {proc.returncode}").strip().splitlines()
        return None, message[-1] if message else f"exit {proc.returncode}"
    return [line for line in proc.stdout.splitlines() if line.strip()], ""


def first_differences(ours: list[str], theirs: list[str], limit: int = 5) -> str:
    a, b = set(ours), set(theirs)
    only_duck = sorted(a - b, key=str.encode)[:limit]
    only_strata = sorted(b - a, key=str.encode)[:limit]
    parts = []
    if only_duck:
        parts.append(f"only in DuckDB ({len(a - b)}): {', '.join(only_duck)}")
    if only_strata:
        parts.append(f"only in Strata ({len(b - a)}): {', '.join(only_strata)}")
    if not parts and ours != theirs:
        parts.append("same ids, different order (Strata's output is not sorted by bytes)")
    return "; ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strata", default=os.environ.get("STRATA", "strata"), help="the strata binary")
    ap.add_argument("--work", help="working folder (default: a fresh temporary folder, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the working folder")
    ap.add_argument("--users", type=int, default=5000)
    ap.add_argument("--datasets", default=",".join(d[0] for d in DATASETS),
                    help="comma-separated datasets among saas, ecommerce, media, edges")
    ap.add_argument("--segments", help="comma-separated subset of the reference segments")
    ap.add_argument("--end", default=DEFAULT_END, help="the generated period's end (strata generate --end)")
    ap.add_argument("--offsets", default=",".join(map(str, DEFAULT_OFFSETS_H)),
                    help="evaluation instants, in hours before --end, comma-separated")
    ap.add_argument("--jobs", type=int, default=2, help="concurrent strata members processes")
    ap.add_argument("--reference-only", action="store_true",
                    help="only run the DuckDB side (sizes), without strata members")
    args = ap.parse_args()

    names = reference.segment_names()
    if args.segments:
        wanted = [s.strip() for s in args.segments.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in names]
        if unknown:
            sys.stderr.write(f"no reference query for: {', '.join(unknown)}\n")
            return 2
        names = wanted
    chosen = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = [d for d in chosen if d not in {x[0] for x in DATASETS}]
    if unknown:
        sys.stderr.write(f"unknown datasets: {', '.join(unknown)}\n")
        return 2
    datasets = [d for d in DATASETS if d[0] in chosen]
    end_ms = reference.parse_instant(args.end)
    instants = [end_ms - int(h) * 3_600_000 for h in args.offsets.split(",")]

    outcomes = {n: Outcome() for n in names}
    examples = ROOT / "examples" / "segments"
    # The definitions compared must be the ones the references implement.
    for n in names:
        ours = reference.segment_where(n)
        path = examples / f"{n}.yaml"
        if not path.exists():
            outcomes[n].failures.append(f"examples/segments/{n}.yaml is missing")
            continue
        theirs = yaml_where(path)
        if theirs is None or normalise(theirs) != normalise(ours or ""):
            outcomes[n].failures.append(
                f"definition drift: examples say `{theirs}`, the reference implements `{ours}`")

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="strata-diff-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    try:
        for profile, seed, days in datasets:
            ddir = work / f"{profile}-{seed}"
            if ddir.exists():
                shutil.rmtree(ddir)
            ddir.mkdir(parents=True)
            events = ddir / "events.jsonl"
            dataset_instants = instants
            if profile == "edges":
                print("== dataset edges: the hand-built timelines of scripts/reference/selftest.py", flush=True)
                selftest.write_jsonl(events)
                dataset_instants = selftest.INSTANTS
            else:
                print(f"== dataset {profile} seed {seed}: {args.users} users, {days} days ending {args.end}",
                      flush=True)
                must([args.strata, "generate", "--profile", profile, "--users", str(args.users), "--days",
                      str(days), "--seed", str(seed), "--end", args.end, "--out", str(events)], "strata generate")
            ws = ddir / "ws"
            if not args.reference_only:
                must([args.strata, "init", str(ws)], "strata init")
                for sub in ("segments", "scores"):
                    src = ROOT / "examples" / sub
                    if src.is_dir():
                        shutil.rmtree(ws / sub, ignore_errors=True)
                        shutil.copytree(src, ws / sub)
                must([args.strata, "import", "-w", str(ws), str(events)], "strata import")

            con = reference.connect()
            rows = reference.load(con, events)
            print(f"   {rows} messages", flush=True)
            for now in dataset_instants:
                as_of = reference.format_instant(now)
                reference.prepare(con, now)
                merges = reference.user_aliases(con)
                if merges:
                    sys.stderr.write(f"user-to-user aliases present ({len(merges)}, e.g. {merges[:3]}): "
                                     "the reference does not model them; extend _prelude.sql\n")
                    return 2
                n_profiles = con.execute("SELECT count(*) FROM profiles").fetchone()[0]
                print(f"-- as of {as_of} ({n_profiles} profiles)", flush=True)
                print(f"   {'segment':<28} {'duckdb':>7} {'strata':>7}  identical", flush=True)
                duck = {n: reference.members(con, n) for n in names}
                theirs: dict[str, tuple[list[str] | None, str]] = {}
                if not args.reference_only:
                    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                        futures = {n: pool.submit(strata_members, args.strata, ws, n, as_of) for n in names}
                        theirs = {n: f.result() for n, f in futures.items()}
                for n in names:
                    ours = duck[n]
                    where = f"{profile}@{as_of}"
                    if args.reference_only:
                        outcomes[n].sizes.append((where, len(ours), None))
                        print(f"   {n:<28} {len(ours):>7} {'-':>7}  -", flush=True)
                        continue
                    got, error = theirs[n]
                    if got is None:
                        outcomes[n].sizes.append((where, len(ours), None))
                        outcomes[n].failures.append(f"{where}: strata members failed: {error}")
                        print(f"   {n:<28} {len(ours):>7} {'error':>7}  no   {error}", flush=True)
                        continue
                    outcomes[n].sizes.append((where, len(ours), len(got)))
                    same = got == ours
                    line = f"   {n:<28} {len(ours):>7} {len(got):>7}  {'yes' if same else 'no'}"
                    if not same:
                        diff = first_differences(ours, got)
                        outcomes[n].failures.append(f"{where}: {diff}")
                        line += f"   {diff}"
                    print(line, flush=True)
            con.close()
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep or args.work:
            print(f"working folder: {work}")

    passed = failed = 0
    print(f"\n== summary ({time.time() - started:.0f}s)")
    for n in names:
        o = outcomes[n]
        generated = [s for s in o.sizes if not s[0].startswith("edges@")]
        if generated and max(s[1] for s in generated) == 0:
            o.failures.append("empty in every dataset and instant: the reference proves nothing")
        if args.reference_only:
            o.failures = [f for f in o.failures if f.startswith(("empty", "definition", "examples"))]
        if o.failures:
            failed += 1
            print(f"FAIL {n}")
            for f in o.failures:
                print(f"     {f}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
