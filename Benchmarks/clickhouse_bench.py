#!/usr/bin/env python3
"""`strata import` and `strata run` of the examples' catalog on a local ClickHouse cluster, against the
embedded store, same data, same run (issue 30's performance figures).

Usage: clickhouse_bench.py STRATA WORKDIR USERS [USERS...] [--shards N] [--runs R]
                           [--end INSTANT] [--leave-out NAME,NAME...] [--keep]

For each user count (about 16.7 messages a user: 60,000 users are 1.0M messages, 600,000 are 10.0M,
1,800,000 are 30.1M) it generates `strata generate --profile saas --days 90 --seed 1 --end INSTANT`
into WORKDIR (kept for the next run), starts `scripts/clickhouse_cluster.sh` with N shards
(CLICKHOUSE_SHARDS, default 2) in WORKDIR/cluster-N, emptied first, and makes two workspaces with the
segments, scores and stages of examples/: one with `store: clickhouse` on that cluster (cluster
`strataN`, every shard in `nodes`), one on the embedded store. Then, timing each whole process:

- `strata import FILE` into each workspace (the ClickHouse workspace's import stores the messages
  in its own log, as the embedded one does: ClickHouse receives them when a command ships);
- the shipping: `strata members SEGMENT` (the first segment kept, as ids) on the ClickHouse
  workspace, which ships every stored message before it evaluates that segment;
- R runs (default 2) of `strata run --as-of INSTANT` on each, alternating, embedded first.

Segments outside ClickHouse's SQL subset (errors of `strata check` on the ClickHouse workspace) are
removed from both workspaces before the import, so both sides evaluate the same set; --leave-out
removes more by name, from both (segments that are in the subset but fail on the cluster, say).
Prints one JSON object per dataset: messages, the definitions left out and why, import seconds and
messages/s on each side, the shipping's seconds and messages/s, import plus shipping, each run's
seconds, exit status and its own figures from its last line (the embedded engine's `load` and
`eval`, the seconds ClickHouse took), the ratio of the best finished ClickHouse run to the best
finished embedded one, the segments whose sizes differ between the last finished run of each side,
ClickHouse's bytes on disk (the shards' data folders of the database) per message, and
/proc/loadavg before each measurement. The cluster is stopped at the end; the workspaces are
deleted unless --keep. Wall-clock figures only: nothing here asserts a time.

INSTANT defaults to today at 00:00 UTC, which is also the end of the generated data.
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER = os.path.join(ROOT, "scripts", "clickhouse_cluster.sh")
FOLDERS = ("segments", "scores", "stages")


def option(name, default):
    if name in sys.argv:
        at = sys.argv.index(name)
        value = sys.argv[at + 1]
        del sys.argv[at:at + 2]
        return value
    return default


shards = int(option("--shards", "2"))
runs = int(option("--runs", "2"))
end = option("--end", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT00:00:00Z"))
leave_out = [n for n in option("--leave-out", "").split(",") if n]
keep = "--keep" in sys.argv
arguments = [a for a in sys.argv[1:] if a != "--keep"]
if len(arguments) < 3:
    sys.exit(__doc__)
strata, workdir, counts = os.path.abspath(arguments[0]), os.path.abspath(arguments[1]), [int(n) for n in arguments[2:]]
os.makedirs(workdir, exist_ok=True)
base = int(os.environ.get("CLICKHOUSE_PORT_BASE", "18120"))
environment = dict(os.environ, CLICKHOUSE_SHARDS=str(shards))


def loadavg():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def timed(command):
    """Runs a command; returns its seconds, exit status, stdout and stderr."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - started, done.returncode, done.stdout, done.stderr


def du(path):
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                pass
    return total


def sizes(stdout):
    """segment name -> size from the table of `strata run`."""
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"^(\S+)(?: \((?:accounts|users)\))?\s+([\d,]+)\s+[\d.]+%", line)
        if match:
            found[match.group(1)] = int(match.group(2).replace(",", ""))
    return found


def figures(stdout):
    """The engine's own load and eval seconds from the last line of `strata run`, when it gives them."""
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    out = {"summary": last}
    for key, pattern in (("load", r"\bload ([\d.]+) s"), ("eval", r"\beval ([\d.]+) s"),
                         ("clickhouse", r"\bClickHouse ([\d.]+) s")):
        match = re.search(pattern, last)
        if match:
            out[f"{key}_seconds"] = float(match.group(1))
    return out


def errors(stderr):
    return [line for line in stderr.splitlines() if ": error: " in line or line.startswith("Error:")]


def workspace(path, store_yaml):
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([strata, "init", path], check=True, capture_output=True)
    for folder in FOLDERS:
        for name in sorted(os.listdir(os.path.join(ROOT, "examples", folder))):
            shutil.copy(os.path.join(ROOT, "examples", folder, name), os.path.join(path, folder, name))
    with open(os.path.join(path, "strata.yaml"), "w") as handle:
        handle.write(f"name: {os.path.basename(path)}\ntimezone: UTC\n{store_yaml}")


def remove(paths, names):
    for path in paths:
        for name in names:
            file = os.path.join(path, "segments", name + ".yaml")
            if os.path.exists(file):
                os.remove(file)


def cluster(action, folder):
    subprocess.run([CLUSTER, action, folder], check=True, capture_output=True, env=environment)


for users in counts:
    data = os.path.join(workdir, f"saas-{users}-{end[:10]}.jsonl")
    if not os.path.exists(data):
        subprocess.run([strata, "generate", "--profile", "saas", "--users", str(users), "--days", "90", "--seed", "1",
                        "--end", end, "--out", data + ".part"], check=True, capture_output=True)
        os.rename(data + ".part", data)
    with open(data, "rb") as handle:
        messages = sum(1 for _ in handle)
    result = {"users": users, "messages": messages, "shards": shards, "as_of": end, "runs": runs}

    folder = os.path.join(workdir, f"cluster-{shards}")
    cluster("stop", folder)
    shutil.rmtree(folder, ignore_errors=True)
    cluster("start", folder)
    try:
        urls = [f"http://127.0.0.1:{base + n}" for n in range(1, shards + 1)]
        on_clickhouse = os.path.join(workdir, f"ws-clickhouse-{users}")
        embedded = os.path.join(workdir, f"ws-embedded-{users}")
        workspace(on_clickhouse, "store: clickhouse\nclickhouse:\n"
                  f"  url: {urls[0]}\n  database: strata\n  cluster: strata{shards}\n"
                  f"  nodes: [{', '.join(urls)}]\n")
        workspace(embedded, "store: sqlite\n")

        # Segments outside the subset: errors of `strata check` naming segments/NAME.yaml.
        _, _, out, err = timed([strata, "check", "-w", on_clickhouse])
        outside = {}
        for line in errors(out + err):
            match = re.match(r"^segments/([^/:]+)\.yaml:\d+:\d+: error: (.*)$", line)
            if match:
                outside.setdefault(match.group(1), match.group(2))
        remove([on_clickhouse, embedded], list(outside) + leave_out)
        result["left_out_outside_subset"] = outside
        result["left_out_by_option"] = leave_out
        kept = sorted(n[:-5] for n in os.listdir(os.path.join(embedded, "segments")) if n.endswith(".yaml"))
        result["segments"] = len(kept)

        for side, path in (("embedded", embedded), ("clickhouse", on_clickhouse)):
            load = loadavg()
            seconds, status, out, err = timed([strata, "import", data, "-w", path])
            if status != 0:
                raise RuntimeError(f"import into {path} exited {status}: {err.strip()[-500:]}")
            result[f"import_{side}"] = {"seconds": round(seconds, 2), "messages_per_second": round(messages / seconds),
                                        "loadavg": load}

        load = loadavg()
        seconds, status, out, err = timed([strata, "members", kept[0], "-w", on_clickhouse, "--as-of", end])
        result["ship_clickhouse"] = {"seconds": round(seconds, 2), "messages_per_second": round(messages / seconds),
                                     "status": status, "with_query_of": kept[0], "loadavg": load,
                                     "errors": errors(err)}
        total = result["import_clickhouse"]["seconds"] + seconds
        result["import_and_ship_clickhouse"] = {"seconds": round(total, 2),
                                                "messages_per_second": round(messages / total)}

        runs_of = {"embedded": [], "clickhouse": []}
        sizes_of = {}
        for _ in range(runs):
            for side, path in (("embedded", embedded), ("clickhouse", on_clickhouse)):
                load = loadavg()
                seconds, status, out, err = timed([strata, "run", "-w", path, "--as-of", end])
                run = {"seconds": round(seconds, 2), "status": status, "loadavg": load, **figures(out)}
                if errors(err):
                    run["errors"] = errors(err)
                runs_of[side].append(run)
                if status == 0:
                    sizes_of[side] = sizes(out)
        result["run_embedded"] = runs_of["embedded"]
        result["run_clickhouse"] = runs_of["clickhouse"]
        # Only runs that finished count: a failed run says nothing about the time of the catalog.
        finished = {side: [r["seconds"] for r in runs_of[side] if r["status"] == 0] for side in runs_of}
        if finished["clickhouse"] and finished["embedded"]:
            result["ratio_clickhouse_to_embedded"] = round(min(finished["clickhouse"]) / min(finished["embedded"]), 2)
        for side in runs_of:
            sizes_of.setdefault(side, {})
        differ = sorted(n for n in set(sizes_of["embedded"]) | set(sizes_of["clickhouse"])
                        if sizes_of["embedded"].get(n) != sizes_of["clickhouse"].get(n))
        result["segments_evaluated"] = {side: len(sizes_of[side]) for side in sizes_of}
        result["sizes_differ"] = {n: [sizes_of["embedded"].get(n), sizes_of["clickhouse"].get(n)] for n in differ}

        stored = sum(du(os.path.join(folder, f"shard{n}", "data", "data", "strata")) for n in range(1, shards + 1))
        result["clickhouse_bytes"] = stored
        result["clickhouse_bytes_per_message"] = round(stored / messages, 1)
    finally:
        cluster("stop", folder)
        if not keep:
            for path in (os.path.join(workdir, f"ws-clickhouse-{users}"), os.path.join(workdir, f"ws-embedded-{users}"),
                         folder):
                shutil.rmtree(path, ignore_errors=True)
    print(json.dumps(result), flush=True)
