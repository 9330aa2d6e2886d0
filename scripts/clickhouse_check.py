#!/usr/bin/env python3
"""Differential test of the ClickHouse store on a real 2-shard cluster (docs/clickhouse.md).

    scripts/clickhouse_check.py STRATA WORK [--users N]

Starts the cluster of scripts/clickhouse_cluster.sh in WORK/cluster, emptied first (stopped at the
end, whatever happens). For each generated dataset (`strata generate`), with duplicates added (exact
re-sends and re-sends of a used messageId with other content), late events (old timestamps sent
last) and identity links made late (anonymous ids identified after their events, an alias merging
two users, an anonymous id claimed by a second user), it imports the data into an embedded workspace
made from the saas example, copies that workspace into one with `store: clickhouse` on the cluster,
and compares `strata members NAME --as-of T` of the two, byte for byte, for every example segment
(and the EXTRA ones) that `strata check` accepts on ClickHouse and for several instants, and their
listings (`--format csv` and `jsonl`) as of the end. Then the
faults: the stored messages are shipped once (counted on both shards) however often they are shipped
again, including after a batch half lost on one shard; with a shard down, `strata members` fails
with ClickHouse's message and prints no members.

Fails (exit 1) on any difference, on fewer than MIN_SUBSET segments accepted, or when the segments
compared have no members anywhere. Ends with `N passed, M failed`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "scripts" / "clickhouse_cluster.sh"
END = "2026-07-01T00:00:00Z"
# Hours before END: the end itself, a Sunday evening, ten days before.
OFFSETS_H = [0, 50, 240]
DATASETS = [("saas", 7, 120), ("ecommerce", 11, 240)]
MIN_SUBSET = 56
# Segments beside the examples, for constructs no example uses (written into the workspace as
# `check-NAME`, of users unless the text says `of: accounts`): funnels, stages, local hours and
# weekdays, sequences in milliseconds, accounts (traits, events, percentiles, users without one) and
# `$user` after identity merges.
EXTRA = {
    "funnel": 'funnel("Session Started", "Feature Used", "Document Edited", within: 2d, last 60d) >= 2',
    "funnel-all": 'funnel("Logged In", "Session Started", "Session Ended", within: 1h) = 3',
    "stages": 'stage.lifecycle = "at-risk" or stage.saas-adoption in ["activated", "onboarding"]',
    "local-time": 'count("Logged In" where $hour < 9 or $weekday in ["sat", "sun"], last 30d) >= 2',
    "followed-ms": 'followed_by("Session Started", "Session Ended", within: 90s, last 30d)',
    "user-field": 'count(any where exists($user)) = count(any) and count_distinct(any, $user) = 1',
    "account-traits": 'account.trait.employees >= 50 and not (account.trait.plan = "free")',
    "account-events": 'account.count("Document Edited", last 30d) >= 5 and count("Document Edited", last 30d) < 3',
    "account-missing": 'not account.did(any, last 14d) and not exists(account.trait.industry)',
    "account-rank": 'of: accounts\nwhere: >\n  percentile(count(any, last 30d)) >= 50 and trait.plan != "free"',
    "account-users": 'of: accounts\nwhere: >\n  count_users(did("Document Edited", last 7d)) >= 2 '
                     'or count_distinct(any, $user, last 7d) >= 3 and segment("check-account-rank")',
    "account-score": 'of: accounts\nwhere: >\n  score.expansion >= 40 or first_seen >= now - 60d',
}


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, text=True, capture_output=True, **kw)


def must(cmd: list[str]) -> str:
    proc = run(cmd)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def query(url: str, sql: str) -> str:
    request = urllib.request.Request(url + "/", data=sql.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode()


def stored_ids(strata: str, workspace: Path) -> list[str]:
    """The ids of the messages a workspace's log holds, sorted."""
    return sorted(must([strata, "messages", "--ids-only", "-w", str(workspace)]).split())


def augment(lines: list[str], seed: int) -> list[str]:
    """The generated messages plus duplicates, late events and late or conflicting identity links."""
    rng = random.Random(seed)
    messages = [json.loads(line) for line in lines if line.strip()]
    events = [m for m in messages if m.get("type") == "track" and m.get("userId")]
    users = sorted({m["userId"] for m in messages if m.get("userId")})
    extra: list[dict] = []
    # Exact re-sends.
    extra += [dict(m) for m in rng.sample(messages, len(messages) // 30)]
    # Re-sends of a used messageId with other content: the first one stays.
    for m in rng.sample(events, min(len(events), 200)):
        changed = dict(m)
        changed["event"] = "Conflicting Resend"
        extra.append(changed)
    # Late events: old timestamps, sent after everything else.
    for i, m in enumerate(rng.sample(events, min(len(events), 300))):
        late = dict(m)
        late["messageId"] = f"late-{seed}-{i}"
        extra.append(late)
    # Anonymous histories identified late, after their events.
    for i in range(150):
        user = rng.choice(users)
        anonymous = f"late-anon-{seed}-{i}"
        base = rng.choice(events)
        for j in range(3):
            extra.append({"type": "track", "messageId": f"la-{seed}-{i}-{j}", "anonymousId": anonymous,
                          "event": base["event"], "properties": base.get("properties", {}),
                          "timestamp": base["timestamp"]})
        extra.append({"type": "identify", "messageId": f"li-{seed}-{i}", "anonymousId": anonymous, "userId": user,
                      "traits": {"plan": rng.choice(["free", "pro", "team"])}, "timestamp": base["timestamp"]})
        # A second user claiming the same anonymous id later: refused, the first link stays.
        extra.append({"type": "identify", "messageId": f"lc-{seed}-{i}", "anonymousId": anonymous,
                      "userId": rng.choice(users), "timestamp": base["timestamp"]})
    # Users moving to another account, whose traits change (latest wins), and an account named
    # by an anonymous id's group call.
    groups = [m for m in messages if m.get("type") == "group" and m.get("userId")]
    for i, m in enumerate(rng.sample(groups, min(len(groups), 80))):
        moved = dict(rng.choice(groups))
        moved.update({"messageId": f"gm-{seed}-{i}", "userId": m["userId"], "timestamp": rng.choice(events)["timestamp"],
                      "traits": {"plan": rng.choice(["free", "pro", "team"]), "employees": rng.randrange(1, 400)}})
        extra.append(moved)
    for i in range(20):
        extra.append({"type": "group", "messageId": f"ga-{seed}-{i}", "anonymousId": f"late-anon-{seed}-{i}",
                      "groupId": f"acct-anon-{seed}-{i % 5}", "traits": {"industry": None},
                      "timestamp": rng.choice(events)["timestamp"]})
    # Users merged by alias.
    for i in range(60):
        a, b = rng.sample(users, 2)
        extra.append({"type": "alias", "messageId": f"al-{seed}-{i}", "previousId": a, "userId": b,
                      "timestamp": rng.choice(events)["timestamp"]})
    rng.shuffle(extra)
    return lines + [json.dumps(m) for m in extra]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("strata")
    ap.add_argument("work")
    ap.add_argument("--users", type=int, default=1500)
    args = ap.parse_args()
    strata = args.strata
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    cluster = work / "cluster"
    # A fresh cluster: the faults below leave a shard's data as no shipment would.
    shutil.rmtree(cluster, ignore_errors=True)
    urls = must([str(CLUSTER), "start", str(cluster)]).split()
    passed = failed = 0
    try:
        from datetime import datetime, timezone

        end_ms = int(datetime.fromisoformat(END.replace("Z", "+00:00")).timestamp() * 1000)
        for profile, seed, days in DATASETS:
            ddir = work / profile
            shutil.rmtree(ddir, ignore_errors=True)
            ddir.mkdir()
            generated = ddir / "generated.jsonl"
            must([strata, "generate", "--profile", profile, "--users", str(args.users), "--days", str(days),
                  "--seed", str(seed), "--end", END, "--out", str(generated)])
            events = ddir / "events.jsonl"
            events.write_text("\n".join(augment(generated.read_text().splitlines(), seed)) + "\n")
            embedded = ddir / "embedded"
            must([strata, "init", str(embedded), "--example", "saas"])
            for extra, text in EXTRA.items():
                body = text if text.startswith("of: ") else f"where: >\n  {text}"
                (embedded / "segments" / f"check-{extra}.yaml").write_text(body + "\n")
            must([strata, "import", "-w", str(embedded), str(events)])
            clickhouse = ddir / "clickhouse"
            shutil.copytree(embedded, clickhouse)
            settings = clickhouse / "strata.yaml"
            text = settings.read_text()
            if "\nstore: sqlite\n" not in text:
                raise SystemExit("the example's strata.yaml no longer says `store: sqlite`")
            settings.write_text(text.replace("\nstore: sqlite\n", "\n") + (
                "\nstore: clickhouse\nclickhouse:\n"
                f"  url: {urls[0]}\n  database: strata_{profile}\n  cluster: strata2\n"
                f"  nodes: [{', '.join(urls)}]\n  user: default\n  password: ${{CLICKHOUSE_TEST_PASSWORD}}\n"))
            env_password = {"CLICKHOUSE_TEST_PASSWORD": ""}
            check = run([strata, "check", "-w", str(clickhouse)], env={**os.environ, **env_password})
            if "definition files:" not in check.stdout + check.stderr:
                raise SystemExit(f"strata check failed on the ClickHouse workspace:\n{check.stdout}{check.stderr}")
            refused = sorted({line.split(":")[0].removeprefix("segments/").removesuffix(".yaml")
                              for line in check.stdout.splitlines() + check.stderr.splitlines()
                              if "unsupported on ClickHouse" in line or "not supported on ClickHouse" in line})
            segments = sorted(p.stem for p in (embedded / "segments").glob("*.yaml"))
            subset = [s for s in segments if s not in refused]
            print(f"{profile}: {len(subset)} of {len(segments)} segments in the ClickHouse subset; "
                  f"refused: {', '.join(refused)}")
            if len(subset) < MIN_SUBSET:
                print(f"FAIL {profile}: only {len(subset)} segments accepted on ClickHouse")
                failed += 1
            env = {**os.environ, **env_password}
            nonempty = 0
            for hours in OFFSETS_H:
                instant = end_ms - hours * 3_600_000
                as_of = datetime.fromtimestamp(instant / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                for name in subset:
                    ours = run([strata, "members", name, "-w", str(embedded), "--as-of", as_of])
                    theirs = run([strata, "members", name, "-w", str(clickhouse), "--as-of", as_of], env=env)
                    # The segments ClickHouse refuses are left out of its workspace, which then exits 1
                    # after listing the members; any other failure prints `Error:`.
                    answered = ours.returncode == 0 and theirs.returncode in (0, 1) and "Error:" not in theirs.stderr
                    if answered and ours.stdout == theirs.stdout:
                        passed += 1
                        nonempty += 1 if ours.stdout.strip() else 0
                    else:
                        failed += 1
                        a, b = set(ours.stdout.split()), set(theirs.stdout.split())
                        print(f"FAIL {profile} {name} as of {as_of}: embedded {len(a)} (exit {ours.returncode}), "
                              f"ClickHouse {len(b)} (exit {theirs.returncode}); only embedded: "
                              f"{sorted(a - b)[:5]}, only ClickHouse: {sorted(b - a)[:5]}\n{theirs.stderr[-2000:]}")
            print(f"{profile}: {nonempty} of {len(subset) * len(OFFSETS_H)} comparisons had members")
            if nonempty < len(subset):
                failed += 1
            # The listings (first_seen, last_seen, events, traits) as of the end, in both formats.
            for fmt in ["csv", "jsonl"]:
                for name in subset:
                    ours = run([strata, "members", name, "--format", fmt, "-w", str(embedded), "--as-of", END])
                    theirs = run([strata, "members", name, "--format", fmt, "-w", str(clickhouse), "--as-of", END],
                                 env=env)
                    if ours.returncode == 0 and "Error:" not in theirs.stderr and ours.stdout == theirs.stdout:
                        passed += 1
                    else:
                        failed += 1
                        a, b = ours.stdout.splitlines(), theirs.stdout.splitlines()
                        diff = next((f"{x!r} != {y!r}" for x, y in zip(a, b) if x != y), f"{len(a)} != {len(b)} lines")
                        print(f"FAIL {profile} {name} --format {fmt}: {diff}\n{theirs.stderr[-1000:]}")

            # Shipped once: the log's messages are on the shards exactly once.
            database = f"strata_{profile}"
            stored = stored_ids(strata, embedded)
            counts = [int(query(u, f"SELECT count() FROM {database}.messages_local")) for u in urls]
            shipped = sorted(query(urls[0], f"SELECT message_id FROM {database}.messages").split("\n")[:-1])
            if sum(counts) == len(shipped) and shipped == stored and min(counts) > 0:
                passed += 1
                print(f"{profile}: {len(stored)} stored messages, on the shards {counts}, each once")
            else:
                failed += 1
                print(f"FAIL {profile}: {len(stored)} stored messages, shards hold {counts}, "
                      f"{len(set(shipped))} distinct ids, same ids: {set(shipped) == set(stored)}")

        # A batch half lost on one shard: shipping again restores exactly what is missing.
        profile = DATASETS[0][0]
        database = f"strata_{profile}"
        clickhouse = work / profile / "clickhouse"
        env = {**os.environ, "CLICKHOUSE_TEST_PASSWORD": ""}
        # As if the last batch had reached shard 1 only: its rows on shard 2 gone, and not recorded as
        # shipped (a synchronous insert that failed is not).
        top = int(query(urls[0], f"SELECT max(seq) FROM {database}.messages"))
        query(urls[1], f"ALTER TABLE {database}.messages_local DELETE WHERE seq > {top - 5000}")
        query(urls[0], f"ALTER TABLE {database}.shipments DELETE WHERE high > {top - 5000}")
        for _ in range(600):  # mutations run in the background
            if all(query(u, "SELECT count() FROM system.mutations WHERE is_done = 0").strip() == "0" for u in urls):
                break
            time.sleep(0.1)
        before = int(query(urls[0], f"SELECT count() FROM {database}.messages"))
        name = "paying"
        as_of = END
        again = run([strata, "members", name, "-w", str(clickhouse), "--as-of", as_of], env=env)
        expected = run([strata, "members", name, "-w", str(work / profile / "embedded"), "--as-of", as_of])
        shipped = sorted(query(urls[0], f"SELECT message_id FROM {database}.messages").split("\n")[:-1])
        stored = stored_ids(strata, work / profile / "embedded")
        if before < len(stored) and shipped == stored and again.stdout == expected.stdout and expected.stdout:
            passed += 1
            print(f"partial batch: {len(stored) - before} lost on a shard, shipped again, {len(shipped)} rows, each once")
        else:
            failed += 1
            print(f"FAIL partial batch: before {before}, after {len(shipped)}, stored {len(stored)}, "
                  f"same members {again.stdout == expected.stdout}\n{again.stderr[-1000:]}")

        # A shard down: a clear error, no members printed.
        pid = int((cluster / "shard2" / "server.pid").read_text())
        subprocess.run(["kill", "-TERM", str(pid)], check=True)
        for _ in range(300):
            if run(["kill", "-0", str(pid)]).returncode != 0:
                break
            time.sleep(0.1)
        down = run([strata, "members", name, "-w", str(clickhouse), "--as-of", as_of], env=env)
        if down.returncode != 0 and down.stdout == "" and "ClickHouse" in down.stderr:
            passed += 1
            print(f"shard down: exit {down.returncode}: {down.stderr.strip().splitlines()[-1][:300]}")
        else:
            failed += 1
            print(f"FAIL shard down: exit {down.returncode}, {len(down.stdout.split())} ids, {down.stderr[-500:]}")
    finally:
        run([str(CLUSTER), "stop", str(cluster)])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
