"""Restart benchmark of `strata serve` (not a test: it asserts nothing about time).

Uses the workspace of live_bench.py (every definition of examples/ plus the probe segment, with
`strata generate --profile saas --users USERS --days 90` imported; made once, reused after). Then:

1. a start, the first one of this build on that workspace when no snapshot of the engine exists yet;
2. RESTARTS restarts after a graceful stop (SIGTERM), each resuming from the snapshot the stop wrote;
3. a start, `strata import` of EXTRA generated messages for existing users while it runs, a wait until
   the engine has taken them, SIGKILL, and a restart, which takes those messages again from the store
   (fewer than the 100,000 that make a new snapshot due, so none is written in between).

Each figure is the server's own `strata_live_start_seconds`, with `strata_live_start_snapshot_sequence`
(the snapshot resumed from, 0 for none) and the resident memory once ready. Prints one JSON object.
Usage:
  restart_bench.py STRATA WORKDIR [--users N] [--restarts N] [--extra-users N] [--fresh]
"""

import argparse
import json
import os
import signal
import subprocess
import time

from live_bench import Serve, metrics, prepare


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) // 1024


def start(strata, ws, admin):
    server = Serve(strata, ws, admin)
    values = metrics(server.port, admin)
    return server, {"seconds": round(server.start_seconds, 2),
                    "snapshot": int(values.get("strata_live_start_snapshot_sequence", 0)),
                    "resident_mb": resident_mb(server.process.pid)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("work")
    parser.add_argument("--users", type=int, default=600_000)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--extra-users", type=int, default=12_000)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ws = prepare(args.strata, args.work, args.users, args.fresh)
    admin = subprocess.run([args.strata, "keys", "create", "--kind", "admin", "-w", ws], check=True,
                           capture_output=True, text=True).stdout.strip()
    result = {"users": args.users}

    server, result["first"] = start(args.strata, ws, admin)
    server.stop()
    result["restarts"] = []
    for _ in range(args.restarts):
        server, figures = start(args.strata, ws, admin)
        server.stop()
        result["restarts"].append(figures)

    # Users u-0 ... u-(EXTRA-1) already have history, so their clusters are read back from the store.
    extra = os.path.join(args.work, f"extra-{args.extra_users}.jsonl")
    subprocess.run([args.strata, "generate", "--profile", "saas", "--users", str(args.extra_users), "--days", "3",
                    "--seed", str(int(time.time())), "--out", extra], check=True, capture_output=True)
    server, _ = start(args.strata, ws, admin)
    began = time.time()
    subprocess.run([args.strata, "import", extra, "-w", ws], check=True, capture_output=True)
    taken, still = -1.0, 0
    while still < 3 or taken <= 0:  # taken everything once the evaluation count stops moving
        count = metrics(server.port, admin).get("strata_live_evaluation_seconds_count", 0.0)
        still, taken = (still + 1, taken) if count == taken else (0, count)
        time.sleep(1)
    result["taken_before_kill"] = {"messages": int(taken), "seconds": round(time.time() - began, 1)}
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    server, result["after_kill"] = start(args.strata, ws, admin)
    server.stop()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
