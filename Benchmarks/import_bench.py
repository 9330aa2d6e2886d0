#!/usr/bin/env python3
"""Import throughput and store size: Strata's `import` against DuckDB's `read_ndjson`, same file, same run.

Usage: import_bench.py STRATA_BINARY WORKDIR USERS [USERS...] [--uuid-ids]
For each user count it generates a saas dataset (90 days, seed 1), imports it into a fresh
workspace with `strata import` (timed end to end, process start to exit), and loads the same file
into a persistent DuckDB database with `CREATE TABLE ... AS SELECT * FROM read_ndjson(...)`.
Prints one JSON object per dataset.

`strata generate` numbers message ids in order; with --uuid-ids every messageId is replaced by a
random UUID v4 (seeded), as the Segment and RudderStack SDKs send them.

With --examples the workspace holds the definitions of examples/ before the import, so that the
timelines file the import keeps current packs what they read; the first `strata run` after the
import (which reads that file) is timed too.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid

import duckdb

arguments = [a for a in sys.argv[1:] if a not in ("--uuid-ids", "--examples")]
uuid_ids = "--uuid-ids" in sys.argv[1:]
examples = "--examples" in sys.argv[1:]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
strata, workdir, counts = arguments[0], arguments[1], [int(n) for n in arguments[2:]]
os.makedirs(workdir, exist_ok=True)


def size(path):
    return sum(os.path.getsize(path + suffix) for suffix in ("", "-wal", "-shm") if os.path.exists(path + suffix))


def with_uuid_ids(source, target):
    """Copies a JSONL file of messages with every messageId replaced by a random UUID v4."""
    draw = random.Random(1)
    with open(source) as lines, open(target + ".part", "w") as out:
        for line in lines:
            message = json.loads(line)
            message["messageId"] = str(uuid.UUID(int=draw.getrandbits(128), version=4))
            out.write(json.dumps(message, separators=(",", ":")) + "\n")
    os.rename(target + ".part", target)


for users in counts:
    data = os.path.join(workdir, f"saas-{users}.jsonl")
    if not os.path.exists(data):
        subprocess.run([strata, "generate", "--profile", "saas", "--users", str(users), "--days", "90",
                        "--seed", "1", "--out", data], check=True, capture_output=True)
    if uuid_ids:
        ordered, data = data, os.path.join(workdir, f"saas-{users}-uuid.jsonl")
        if not os.path.exists(data):
            with_uuid_ids(ordered, data)
    with open(data, "rb") as handle:
        messages = sum(1 for _ in handle)
    workspace = os.path.join(workdir, f"ws-{users}")
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([strata, "init", workspace], check=True, capture_output=True)
    if examples:
        for folder in ("segments", "scores", "stages"):
            for name in os.listdir(os.path.join(ROOT, "examples", folder)):
                shutil.copy(os.path.join(ROOT, "examples", folder, name), os.path.join(workspace, folder))
    started = time.perf_counter()
    out = subprocess.run([strata, "import", data, "-w", workspace], check=True, capture_output=True, text=True)
    strata_seconds = time.perf_counter() - started
    db = os.path.join(workspace, "data", "strata.db")
    strata_bytes = size(db)
    timelines = db + ".timelines"
    timelines_bytes = os.path.getsize(timelines) if os.path.exists(timelines) else 0
    run_seconds = None
    if examples:
        started = time.perf_counter()
        subprocess.run([strata, "run", "-w", workspace], check=True, capture_output=True)
        run_seconds = round(time.perf_counter() - started, 2)

    duck_path = os.path.join(workdir, f"duck-{users}.duckdb")
    for suffix in ("", ".wal"):
        if os.path.exists(duck_path + suffix):
            os.remove(duck_path + suffix)
    connection = duckdb.connect(duck_path)
    started = time.perf_counter()
    connection.execute(f"CREATE TABLE messages AS SELECT * FROM read_ndjson('{data}', maximum_object_size=1048576)")
    connection.execute("CHECKPOINT")
    duck_seconds = time.perf_counter() - started
    connection.close()
    duck_bytes = os.path.getsize(duck_path)

    print(json.dumps({
        "users": users, "uuid_ids": uuid_ids, "examples": examples, "messages": messages,
        "file_bytes": os.path.getsize(data), "timelines_bytes": timelines_bytes, "first_run_seconds": run_seconds,
        "strata_seconds": round(strata_seconds, 2), "strata_messages_per_s": round(messages / strata_seconds),
        "strata_store_bytes": strata_bytes, "strata_bytes_per_message": round(strata_bytes / messages, 1),
        "duckdb_seconds": round(duck_seconds, 2), "duckdb_messages_per_s": round(messages / duck_seconds),
        "duckdb_bytes_per_message": round(duck_bytes / messages, 1),
        "ratio_strata_over_duckdb_time": round(strata_seconds / duck_seconds, 2),
        "strata_summary": out.stdout.strip().splitlines()[0],
    }), flush=True)
