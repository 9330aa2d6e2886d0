#!/usr/bin/env python3
"""Differential test of the ClickHouse store on a real 2-shard cluster of Debian's clickhouse-server
18.16 and on a current ClickHouse (chdb-core) (docs/clickhouse.md).

    scripts/clickhouse_check.py STRATA WORK [--users N]

Starts the cluster of scripts/clickhouse_cluster.sh in WORK/cluster, emptied first, and the current
ClickHouse of scripts/chdb_server.py in WORK/chdb (both stopped at the end, whatever happens); the
second needs chdb-core in this Python. For each generated dataset (`strata generate`), with duplicates added (exact
re-sends and re-sends of a used messageId with other content), late events (old timestamps sent
last) and identity links made late (anonymous ids identified after their events, an alias merging
two users, an anonymous id claimed by a second user), it imports the data into an embedded workspace
made from the saas example, copies that workspace into one with `store: clickhouse` on the cluster
and one on the current ClickHouse, and compares `strata members NAME --as-of T` of the three, byte for
byte, for every example segment, the EXTRA ones and RANDOM definitions generated from the subset's
grammar (random windows, aggregates, `where` filters, sequences, streaks, percentiles, traits and
references under random boolean structure; every one must be accepted), for several instants, and
their listings (`--format csv` and `jsonl`) as of the end, and the JSON of `strata report retention`,
`conversion`, `overlap` and `funnel` (every count, rate, interval and combination; not the timings) for
several segments, options and instants (the `entry` anchor refused with a clear error). Then the
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
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "scripts" / "clickhouse_cluster.sh"
CHDB_SERVER = ROOT / "scripts" / "chdb_server.py"
END = "2026-07-01T00:00:00Z"
# Hours before END: the end itself, a Sunday evening, ten days before.
OFFSETS_H = [0, 50, 240]
DATASETS = [("saas", 7, 120), ("ecommerce", 11, 240)]
MIN_SUBSET = 57
# Segments beside the examples, for constructs no example uses (written into the workspace as
# `check-NAME`, of users unless the text says `of: accounts`): funnels, stages, local hours and
# weekdays, sequences in milliseconds, accounts (traits, events, percentiles, users without one) and
# `$user` after identity merges.
EXTRA = {
    "funnel": 'funnel("Session Started", "Feature Used", "Document Edited", within: 2d, last 60d) >= 2',
    "funnel-all": 'funnel("Logged In", "Session Started", "Session Ended", within: 1h) = 3',
    # A first step of `any`: no event name outside the lambdas (18.16 read only the columns named there).
    "any-first": 'followed_by(any, "Logged In", within: 1h, last 30d) and '
                 'funnel(any, "Session Started", "Feature Used", within: 1d) >= 2',
    "stages": 'stage.lifecycle = "at-risk" or stage.saas-adoption in ["activated", "onboarding"]',
    "local-time": 'count("Logged In" where $hour < 9 or $weekday in ["sat", "sun"], last 30d) >= 2',
    "followed-ms": 'followed_by("Session Started", "Session Ended", within: 90s, last 30d)',
    "user-field": 'count(any where exists($user)) = count(any) and count_distinct(any, $user) = 1',
    "math-missing": 'greatest(avg("Ticket Rated", sentiment, last 90d), 0) >= 0 or least(days_since("Plan Upgraded"), 5) < 9',
    "account-traits": 'account.trait.employees >= 50 and not (account.trait.plan = "free")',
    "account-events": 'account.count("Document Edited", last 30d) >= 5 and count("Document Edited", last 30d) < 3',
    "account-missing": 'not account.did(any, last 14d) and not exists(account.trait.industry)',
    "account-rank": 'of: accounts\nwhere: >\n  percentile(count(any, last 30d)) >= 50 and trait.plan != "free"',
    "account-users": 'of: accounts\nwhere: >\n  count_users(did("Document Edited", last 7d)) >= 2 '
                     'or count_distinct(any, $user, last 7d) >= 3 and segment("check-account-rank")',
    "account-score": 'of: accounts\nwhere: >\n  score.expansion >= 40 or first_seen >= now - 60d',
    # Every profile of its kind: `strata health` finds `everyone` only when the populations agree.
    "everyone": "count(any) >= 0",
    "account-everyone": "of: accounts\nwhere: >\n  count(any) >= 0",
}


# Random definitions: RANDOM of them a dataset, from the grammar of the subset (docs/clickhouse.md),
# over the events and properties the generators write.
RANDOM = 30
EVENTS = {
    "Logged In": [("method", "str")], "Session Started": [("platform", "str")],
    "Session Ended": [("duration_hours", "num")], "Feature Used": [("feature", "str")],
    "Core Feature Used": [("area", "str")], "Document Edited": [("document_type", "str")],
    "Payment Succeeded": [("amount", "num"), ("plan", "str")], "Email Opened": [("campaign", "str")],
    "Onboarding Step Completed": [("step", "num")], "Product Viewed": [("price", "num"), ("category", "str")],
    "Order Completed": [("revenue", "num")], "Teammate Invited": [("role", "str")], "Trial Started": [],
    "Plan Upgraded": [("mrr", "num")], "Report Run": [("report", "str")],
}
STRINGS = {"method": ["password", "sso", "google"], "platform": ["web", "ios", "android"],
           "feature": ["dashboards", "export", "api"], "area": ["editor", "reports"],
           "document_type": ["doc", "sheet"], "plan": ["pro", "trial"], "campaign": ["onboarding", "winback"],
           "category": ["shoes", "books"], "role": ["admin", "member"], "report": ["weekly", "funnel"]}
REFERENCES = ['segment("paying")', 'segment("trial-activated")', "score.conversion >= 20",
              'stage.lifecycle = "active"', 'stage.saas-adoption in ["activated", "onboarding"]']


def random_conditions(seed: int, count: int) -> dict[str, str]:
    """`count` conditions from a seeded generator: aggregates with random windows and `where` filters,
    sequences, streaks, percentiles, traits and references, under random `and` / `or` / `not`."""
    rng = random.Random(seed)
    names = list(EVENTS)

    def window() -> str:
        days = rng.choice([1, 3, 7, 14, 30, 60, 90])
        return rng.choice([
            "", f", last {days}d", f", from {days * 2}d ago to {days}d ago", f", before {days}d ago",
            ", this week", ", previous month", f", first {days}d", f', first {days}d after "Trial Started"',
            f", since 2026-0{rng.randint(3, 6)}-{rng.randint(10, 28)}",
        ])

    def selector() -> str:
        event = rng.choice(names)
        fields = EVENTS[event]
        if fields and rng.random() < 0.35:
            field, kind = rng.choice(fields)
            if kind == "str":
                return f'"{event}" where {field} = "{rng.choice(STRINGS[field])}"'
            return f'"{event}" where {field} > {rng.choice([0, 1, 5, 20])}'
        if rng.random() < 0.15:
            return f'"{event}" where $weekday in ["sat", "sun"] or $hour < 9'
        return f'"{event}"' if rng.random() < 0.9 else "any"

    def aggregate() -> str:
        choice = rng.randrange(9)
        if choice == 0:
            return f"did({selector()}{window()})"
        if choice == 1:
            return f"count({selector()}{window()}) {rng.choice(['>=', '<', '='])} {rng.randint(0, 6)}"
        numeric = [(e, f) for e in names for f, kind in EVENTS[e] if kind == "num"]
        if choice == 2:
            event, field = rng.choice(numeric)
            function = rng.choice(["sum", "avg", "min", "max"])
            return f'{function}("{event}", {field}{window()}) > {rng.choice([0, 1, 10, 50])}'
        if choice == 3:
            event = rng.choice(names)
            return f'days_since{rng.choice(["", "_first"])}("{event}") {rng.choice(["<", ">="])} {rng.randint(1, 60)}'
        if choice == 4:
            return f"active_days({selector()}{window()}) >= {rng.randint(1, 5)}"
        if choice == 5:
            first, then = rng.sample(names, 2)
            within = rng.choice(["90s", "30m", "2h", "1d", "7d"])
            function = rng.choice(["followed_by", "not_followed_by"])
            return f'{function}("{first}", "{then}", within: {within}{window()})'
        if choice == 6:
            unit = rng.choice(["day", "week", "month"])
            if rng.random() < 0.5:
                return f'streak({unit}, did("{rng.choice(names)}")) >= {rng.randint(1, 4)}'
            return f'count_periods({unit}, did("{rng.choice(names)}"), {rng.randint(2, 8)}) >= {rng.randint(1, 3)}'
        if choice == 7:
            return f"percentile(count({selector()}{window()})) >= {rng.choice([25, 50, 75, 90])}"
        return rng.choice([
            f'trait.plan {rng.choice(["=", "!="])} "{rng.choice(["pro", "trial", "free", "enterprise"])}"',
            f"trait.employees > {rng.choice([10, 100, 500])}", "exists(trait.mrr)",
            f'count_distinct("Feature Used", feature{window()}) >= {rng.randint(1, 3)}',
            f'share("Core Feature Used", of: any{window()}) > 0.{rng.randint(1, 5)}',
            rng.choice(REFERENCES),
        ])

    def condition(depth: int) -> str:
        if depth == 0 or rng.random() < 0.35:
            return aggregate()
        shape = rng.randrange(3)
        if shape == 0:
            return f"not ({condition(depth - 1)})"
        joiner = "and" if shape == 1 else "or"
        return f"({condition(depth - 1)}) {joiner} ({condition(depth - 1)})"

    return {f"random-{seed}-{index}": condition(3) for index in range(count)}


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


def use_clickhouse(workspace: Path, settings: str) -> None:
    """Turns a workspace made with `store: sqlite` into one with `store: clickhouse` and the settings
    (the lines of its `clickhouse:` section)."""
    config = workspace / "strata.yaml"
    text = config.read_text()
    if "\nstore: sqlite\n" not in text:
        raise SystemExit(f"{config} no longer says `store: sqlite`")
    config.write_text(text.replace("\nstore: sqlite\n", "\n") + f"\nstore: clickhouse\nclickhouse:\n{settings}")


def rfm_rows(text: str) -> list[dict]:
    """`strata rfm --format jsonl`'s rows."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def same_rfm(ours: str, theirs: str) -> bool:
    """Whether two `strata rfm --format jsonl` listings agree: the same profiles, bins, scores, segments,
    recency and frequency, and monetary values equal to 1e-12 relative (docs/clickhouse.md: sums of
    non-integer floats may differ in their last bits; the bins must not)."""
    a, b = rfm_rows(ours), rfm_rows(theirs)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if {k: v for k, v in x.items() if k != "monetary"} != {k: v for k, v in y.items() if k != "monetary"}:
            return False
        m, n = x["monetary"], y["monetary"]
        if (m is None) != (n is None) or (m is not None and abs(m - n) > 1e-12 * max(abs(m), abs(n), 1)):
            return False
    return True


def without_footer(text: str) -> str:
    """A report without its last paragraph (the timings)."""
    return text.rstrip("\n").rsplit("\n\n", 1)[0]


def top_level(text: str, segment: str) -> list[str]:
    """What `strata explain` says of a segment: its answer, then the value of each condition directly
    under the root (`true` / `false`), or of the root itself when it is not an `and` / `or`."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{segment}: ")), None)
    if start is None or start + 1 >= len(lines):
        return []
    values = [lines[start].split(": ", 1)[1]]

    def value(line: str) -> str:
        found = re.search(r"(?:->|=) (true|false)(?:  \(.*\))?$", line)
        return found.group(1) if found else line

    root = lines[start + 1]
    if not (root.startswith("└─ and -> ") or root.startswith("└─ or -> ")):
        return values + [value(root)]
    return values + [value(line) for line in lines[start + 2:] if line[:6] in ("   ├─ ", "   └─ ")]


def report_commands(profile: str, written: list[str], subset: list[str]) -> list[list[str]]:
    """The `strata report` invocations compared: retention, conversion to a goal and overlap of
    segments of users and of accounts, funnels by segments, sizes evaluated at five daily instants and
    the lift of an activation (its own goal, and another at an earlier instant), as of the end; on the
    saas data also retention at an earlier instant and with other options, conversion with other options,
    a funnel of `any` and a `where` at an earlier instant, and an overlap of 20 segments of users (of
    `subset`: random ones too), more than one ClickHouse query holds (16)."""
    users = [s for s in ["paying", "trial-activated", "at-risk-users", "check-local-time", "check-funnel",
                         "check-user-field"] if s in written]
    accounts = [s for s in ["high-intent-accounts", "active-collaborators", "check-account-rank",
                            "check-account-users", "check-account-score"] if s in written]
    goal = '"Order Completed"' if profile == "ecommerce" else '"Payment Succeeded"'
    commands = [
        ["retention", *users[:4], "--as-of", END],
        ["conversion", *users[:3], "--goal", goal, "--within", "14d", "--as-of", END],
        ["overlap", *users, "--as-of", END],
    ]
    if len(accounts) >= 2:
        commands.append(["overlap", *accounts, "--as-of", END])
    if profile == "saas":
        many = users + sorted(s for s in subset if s.startswith("check-random-"))[:20 - len(users)]
        if len(many) != 20:
            raise SystemExit(f"only {len(many)} segments of users for the overlap of 20")
        commands.append(["overlap", *many, "--as-of", END])
    commands.append(["sizes", *users[:3], *accounts[:2], "--from", "2026-06-27T00:00:00Z", "--to", END,
                     "--source", "evaluation"])
    activation, other_goal = LIFT[profile]
    commands += [
        ["lift", activation, "--as-of", END],
        ["lift", activation, "--goal", other_goal, "--within", "2d", "--as-of", "2026-06-21T00:00:00Z"],
    ]
    # Funnels of event selections, for everyone and by segments of users.
    if profile == "ecommerce":
        commands.append(["funnel", '"Product Viewed"', '"Product Added"', '"Order Completed"', "--within", "2d",
                         *[a for s in users[:2] for a in ("--by", s)], "--as-of", END])
    if profile == "saas":
        commands += [
            ["funnel", '"Session Started"', '"Feature Used"', '"Document Edited"', "--within", "2d",
             *[a for s in users[:3] for a in ("--by", s)], "--as-of", END],
            ["funnel", "any", '"Logged In" where $hour < 12', "any", "--within", "1h",
             "--as-of", "2026-06-21T00:00:00Z"],
        ]
    if profile == "saas":
        commands += [
            ["retention", *users[:4], "--as-of", "2026-06-21T00:00:00Z"],
            ["retention", *users[2:], "--return", '"Logged In"', "--days", "0,3,14", "--mode", "on-or-after",
             "--from", "2026-04-01", "--to", "2026-06-01", "--compare-day", "3", "--as-of", END],
            ["conversion", *users[1:4], "--goal", 'any where plan = "pro"', "--within", "3d", "--no-baseline",
             "--from", "2026-03-15", "--as-of", END],
        ]
    return commands


def without_timing(text: str):
    """A report's JSON without its timings."""
    report = json.loads(text)
    report.pop("timing", None)
    return report


def report_counts(report: dict) -> bool:
    """Whether a report counted someone: a nonzero size, count or conversion."""
    return any(row.get(key) for row in report.get("rows", [])
               for key in ("size", "count", "converted", "returned", "reached", "n"))


def first_difference(a, b, path: str = "") -> str:
    """Where two JSON values first differ."""
    if type(a) is not type(b):
        return f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"


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


# The activations whose lift is compared, with a goal of their own and one given with --goal.
LIFT = {"saas": ("trial-nudges", '"Logged In"'), "ecommerce": ("cart-recovery", '"Product Viewed"')}


def health(strata: str, profile: str, workspaces: list[Path], env: dict, refused: list[str], tally) -> None:
    """Compares `strata health --format json` of the embedded workspace (first) with the ClickHouse ones,
    once the segments left out (random, extra but the two of everyone, refused) are moved out of all
    of them; `tally(passed, failure message)` counts each comparison. The ClickHouse workspaces hold one
    segment more, outside the SQL subset: health leaves it out with one `not-evaluated` finding naming
    its construct and exits 1, and its other findings are the embedded workspace's without it."""
    started = time.monotonic()
    kept = {"check-everyone", "check-account-everyone"}
    for workspace in workspaces:
        for path in (workspace / "segments").glob("*.yaml"):
            if path.stem in refused or (path.stem.startswith("check-") and path.stem not in kept):
                path.rename(workspace / f"{path.stem}.yaml.left-out")
    for workspace in workspaces[1:]:
        (workspace / "segments" / "check-outside.yaml").write_text('where: trait.address.city = "Paris"\n')
    embedded = workspaces[0]
    ours = run([strata, "health", "--format", "json", "--as-of", END, "-w", str(embedded)])
    codes = sorted({row["code"] for row in json.loads(ours.stdout)["rows"]}) if ours.returncode == 0 else []
    outside = "a nested trait path (trait.address.city) is not supported on ClickHouse yet (store: clickhouse)"
    for label, workspace in zip(["ClickHouse 18.16 (2 shards)", "current ClickHouse"], workspaces[1:]):
        theirs = run([strata, "health", "--format", "json", "--as-of", END, "-w", str(workspace)], env=env)
        expected = json.loads(ours.stdout) if ours.returncode == 0 else None
        got = json.loads(theirs.stdout) if theirs.returncode == 1 and theirs.stdout.strip() else None
        first = got["rows"].pop(0) if got and got["rows"] else {}
        tally(first.get("code") == "not-evaluated" and first.get("segment") == "check-outside"
              and str(first.get("message", "")).startswith("left out, not evaluated: segments/check-outside.yaml:")
              and str(first.get("message", "")).endswith(outside) and outside in theirs.stderr,
              f"FAIL {profile} strata health on {label}: the segment outside the subset: exit {theirs.returncode}, "
              f"first finding {first}\n{theirs.stderr[-1000:]}")
        tally(expected is not None and got == expected and {"everyone", "overlapping"} <= set(codes),
              f"FAIL {profile} strata health on {label}: embedded exit {ours.returncode} (codes {codes}), "
              f"ClickHouse exit {theirs.returncode}; first difference: {first_difference(expected, got)}\n"
              f"{ours.stderr[-500:]}{theirs.stderr[-1000:]}")
    print(f"{profile}: strata health found {', '.join(codes)} in {time.monotonic() - started:.1f} s")


def add_deliveries(workspace: Path, activation: str, lines: list[str], seed: int) -> int:
    """Writes first-step deliveries of an activation into a workspace's delivery log, as `strata serve`
    would have decided them: 260 triggers at the times of random events of their ids (users, some merged
    away by an alias later, and anonymous ids identified later), 140 sent (variants a and b), 80 held out
    and 40 in control. Returns how many were written."""
    rng = random.Random(seed)
    from datetime import datetime

    def ms(stamp: str) -> int:
        return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)

    messages = [json.loads(line) for line in lines if line.strip()]
    triggers = [(m.get("userId") or m["anonymousId"], ms(m["timestamp"])) for m in messages
                if m.get("type") == "track" and (m.get("userId") or m.get("anonymousId"))]
    statuses = [("sent", "a")] * 90 + [("sent", "b")] * 50 + [("held_out", None)] * 80 + [("control", None)] * 40
    rows = []
    for change_id, (status, variant) in enumerate(statuses, start=1):
        profile, instant = rng.choice(triggers)
        rows.append((change_id, activation, 0, "check", profile, 1, instant, "message", "outbox", "file", variant,
                     status, 0, None, None, instant, instant, instant, None, 0))
    with sqlite3.connect(workspace / "data" / "strata.db") as db:
        db.executemany(
            "INSERT INTO deliveries (change_id, activation, step, segment, profile, entered, change_instant, cause, "
            "destination, channel, variant, status, attempts, last_error, response_status, due_at, next_at, "
            "decided_at, finished_at, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


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
    shutil.rmtree(work / "chdb", ignore_errors=True)
    chdb = subprocess.Popen([sys.executable, str(CHDB_SERVER), str(work / "chdb")], stdout=subprocess.PIPE, text=True)
    passed = failed = 0

    def tally(ok: bool, failure: str) -> None:
        """Counts a comparison, printing the failure's message."""
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(failure)
    try:
        chdb_url = chdb.stdout.readline().strip()
        if not chdb_url.startswith("http://"):
            raise SystemExit(f"the current ClickHouse (chdb) did not start: exit {chdb.wait(timeout=30)}")
        print(f"current ClickHouse: {query(chdb_url, 'SELECT version()').strip()} at {chdb_url}")
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
            for extra, text in {**EXTRA, **random_conditions(seed, RANDOM)}.items():
                body = text if text.startswith("of: ") else f"where: >\n  {text}"
                (embedded / "segments" / f"check-{extra}.yaml").write_text(body + "\n")
            if profile == "ecommerce":
                # RFM's defaults (Order Completed, revenue) rather than the saas example's paid features.
                (embedded / "rfm.yaml").unlink()
            must([strata, "import", "-w", str(embedded), str(events)])
            add_deliveries(embedded, LIFT[profile][0], events.read_text().splitlines(), seed)
            clickhouse, current = ddir / "clickhouse", ddir / "chdb"
            for copy, where in [
                (clickhouse, f"  url: {urls[0]}\n  cluster: strata2\n  nodes: [{', '.join(urls)}]\n"),
                (current, f"  url: {chdb_url}\n"),
            ]:
                shutil.copytree(embedded, copy)
                use_clickhouse(copy, f"{where}  database: strata_{profile}\n"
                                     "  user: default\n  password: ${CLICKHOUSE_TEST_PASSWORD}\n")
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
            written = [s for s in subset if not s.startswith("check-random-")]
            if len(written) < MIN_SUBSET:
                print(f"FAIL {profile}: only {len(written)} written segments accepted on ClickHouse")
                failed += 1
            if len(subset) - len(written) < RANDOM:
                print(f"FAIL {profile}: random definitions refused: {[s for s in refused if 'random' in s]}")
                failed += 1
            env = {**os.environ, **env_password}
            nonempty = 0
            for hours in OFFSETS_H:
                instant = end_ms - hours * 3_600_000
                as_of = datetime.fromtimestamp(instant / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                for name in subset:
                    ours = run([strata, "members", name, "-w", str(embedded), "--as-of", as_of])
                    for label, workspace in [("ClickHouse 18.16 (2 shards)", clickhouse), ("current ClickHouse", current)]:
                        theirs = run([strata, "members", name, "-w", str(workspace), "--as-of", as_of], env=env)
                        # The segments ClickHouse refuses are left out of its workspace, which then exits 1
                        # after listing the members; any other failure prints `Error:`.
                        answered = (ours.returncode == 0 and theirs.returncode in (0, 1)
                                    and "Error:" not in theirs.stderr)
                        if answered and ours.stdout == theirs.stdout:
                            passed += 1
                            nonempty += 1 if ours.stdout.strip() and workspace == clickhouse else 0
                        else:
                            failed += 1
                            a, b = set(ours.stdout.split()), set(theirs.stdout.split())
                            print(f"FAIL {profile} {name} as of {as_of}: embedded {len(a)} (exit {ours.returncode}), "
                                  f"{label} {len(b)} (exit {theirs.returncode}); only embedded: "
                                  f"{sorted(a - b)[:5]}, only {label}: {sorted(b - a)[:5]}\n{theirs.stderr[-2000:]}")
            print(f"{profile}: {nonempty} of {len(subset) * len(OFFSETS_H)} comparisons had members")
            # strata rfm (both listings) and strata stages at each instant.
            ranked = exact = 0
            for hours in OFFSETS_H:
                instant = end_ms - hours * 3_600_000
                as_of = datetime.fromtimestamp(instant / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                commands = [["rfm", "--format", "jsonl"], ["rfm", "--format", "csv"], ["stages"]]
                for command in commands:
                    ours = run([strata, *command, "-w", str(embedded), "--as-of", as_of])
                    for label, workspace in [("ClickHouse 18.16 (2 shards)", clickhouse), ("current ClickHouse", current)]:
                        theirs = run([strata, *command, "-w", str(workspace), "--as-of", as_of], env=env)
                        answered = ours.returncode == 0 and theirs.returncode == 0
                        if command[0] == "stages":
                            same = answered and without_footer(ours.stdout) == without_footer(theirs.stdout)
                        elif command[-1] == "jsonl":
                            same = answered and same_rfm(ours.stdout, theirs.stdout)
                            ranked += len(rfm_rows(ours.stdout)) if workspace == clickhouse else 0
                            exact += 1 if ours.stdout == theirs.stdout else 0
                        else:
                            # csv: the same lines, or lines differing only where the jsonl is within the bound.
                            same = answered and (ours.stdout == theirs.stdout or same_rfm(
                                run([strata, "rfm", "--format", "jsonl", "-w", str(embedded), "--as-of", as_of]).stdout,
                                run([strata, "rfm", "--format", "jsonl", "-w", str(workspace), "--as-of", as_of],
                                    env=env).stdout))
                        if same:
                            passed += 1
                        else:
                            failed += 1
                            a, b = ours.stdout.splitlines(), theirs.stdout.splitlines()
                            diff = next((f"{x!r} != {y!r}" for x, y in zip(a, b) if x != y), f"{len(a)} != {len(b)} lines")
                            print(f"FAIL {profile} strata {' '.join(command)} as of {as_of} on {label}: {diff}\n"
                                  f"{theirs.stderr[-1000:]}")
            print(f"{profile}: strata rfm ranked {ranked} profiles over {len(OFFSETS_H)} instants; "
                  f"{exact} of {2 * len(OFFSETS_H)} jsonl listings byte for byte")
            if ranked == 0:
                print(f"FAIL {profile}: strata rfm ranked no profile")
                failed += 1
            if nonempty < len(subset):
                failed += 1
            # strata explain of a member and a non-member of each written segment, as of the end: the
            # answer and each top-level condition's value agree with the embedded explanation.
            explained = 0
            for name in written:
                ids = run([strata, "members", name, "-w", str(embedded), "--as-of", END]).stdout.split()
                accounts = "of: accounts" in (embedded / "segments" / f"{name}.yaml").read_text()
                other = "check-account-rank" if accounts else "check-user-field"
                others = [i for i in run([strata, "members", other, "-w", str(embedded), "--as-of", END]).stdout.split()
                          if i not in set(ids)]
                for profile_id in ids[:1] + others[:1]:
                    ours = run([strata, "explain", name, profile_id, "-w", str(embedded), "--as-of", END])
                    expected = top_level(ours.stdout, name)
                    for label, workspace in [("ClickHouse 18.16 (2 shards)", clickhouse), ("current ClickHouse", current)]:
                        theirs = run([strata, "explain", name, profile_id, "-w", str(workspace), "--as-of", END],
                                     env=env)
                        if ours.returncode == 0 and theirs.returncode == 0 and expected and \
                                top_level(theirs.stdout, name) == expected:
                            passed += 1
                            explained += 1
                        else:
                            failed += 1
                            print(f"FAIL {profile} strata explain {name} {profile_id} on {label}: embedded "
                                  f"{expected}, ClickHouse {top_level(theirs.stdout, name)}\n{theirs.stdout[-800:]}"
                                  f"{theirs.stderr[-800:]}")
            print(f"{profile}: strata explain agreed {explained} times on the top-level conditions")
            # strata report retention, conversion, overlap and funnel: the JSON of each (counts, rates, intervals,
            # pairs, combinations; not the timings) identical on the three, for several segments and options.
            started = time.monotonic()
            reported = nonzero = 0
            for args_ in report_commands(profile, [s for s in written if s in subset], subset):
                ours = run([strata, "report", *args_, "--format", "json", "-w", str(embedded)])
                expected = without_timing(ours.stdout) if ours.returncode == 0 else None
                for label, workspace in [("ClickHouse 18.16 (2 shards)", clickhouse), ("current ClickHouse", current)]:
                    theirs = run([strata, "report", *args_, "--format", "json", "-w", str(workspace)], env=env)
                    got = without_timing(theirs.stdout) if theirs.returncode == 0 else None
                    if expected is not None and got == expected:
                        passed += 1
                        reported += 1
                        nonzero += 1 if workspace == clickhouse and report_counts(expected) else 0
                    else:
                        failed += 1
                        print(f"FAIL {profile} strata report {' '.join(args_)} on {label}: embedded exit "
                              f"{ours.returncode}, ClickHouse exit {theirs.returncode}; first difference: "
                              f"{first_difference(expected, got)}\n{ours.stderr[-500:]}{theirs.stderr[-1000:]}")
            # The entry anchor reads the change log: refused on ClickHouse with a message naming it.
            refused_entry = run([strata, "report", "retention", "paying", "--anchor", "entry", "-w", str(clickhouse)],
                                env=env)
            if refused_entry.returncode != 0 and "--anchor entry" in refused_entry.stderr:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {profile}: --anchor entry on ClickHouse: exit {refused_entry.returncode}, "
                      f"{refused_entry.stderr[-500:]}")
            if nonzero < reported // 2:
                failed += 1
                print(f"FAIL {profile}: only {nonzero} reports had counts")
            print(f"{profile}: strata report agreed {reported} times ({nonzero} on the cluster with counts) "
                  f"in {time.monotonic() - started:.1f} s")

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

            # strata health of every segment as of the end, on the saas data: the same findings and figures
            # (sizes, everyone, cosmetic day-30 retention, overlapping Jaccard indexes) on the three. Health
            # evaluates every segment of the workspace: the example segments and the two of everyone are
            # kept, the others (and any ClickHouse refuses) taken out of the three workspaces first, to
            # keep its time down (ClickHouse 18.16 takes about 0.2 s a segment).
            if profile == "saas":
                health(strata, profile, [embedded, clickhouse, current], env, refused, tally)

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

        # An erasure reaches the shards: `strata profiles delete` deletes the profile's shipped rows.
        victim = query(urls[0], f"SELECT user_id FROM {database}.messages WHERE user_id != '' GROUP BY user_id "
                                "ORDER BY count() DESC, user_id LIMIT 1").strip()
        rows_before = int(query(urls[0], f"SELECT count() FROM {database}.messages WHERE user_id = '{victim}'"))
        erased = run([strata, "profiles", "delete", victim, "--format", "json", "-w", str(clickhouse)], env=env)
        report = json.loads(erased.stdout) if erased.returncode == 0 else {}
        must([strata, "profiles", "delete", victim, "-w", str(work / profile / "embedded")])
        left = int(query(urls[0], f"SELECT count() FROM {database}.messages WHERE user_id = '{victim}'"))
        shipped = sorted(query(urls[0], f"SELECT message_id FROM {database}.messages").split("\n")[:-1])
        stored = stored_ids(strata, clickhouse)
        same = all(run([strata, "members", s, "-w", str(clickhouse), "--as-of", as_of], env=env).stdout
                   == run([strata, "members", s, "-w", str(work / profile / "embedded"), "--as-of", as_of]).stdout
                   for s in ["paying", "trial-activated", "at-risk-users"])
        removed = report.get("removed", {})
        if (rows_before > 0 and left == 0 and shipped == stored and same
                and removed.get("clickhouse") == removed.get("messages")):
            passed += 1
            print(f"erasure: {victim}'s {removed.get('messages')} messages gone from the log and the shards "
                  f"({rows_before} rows with the userId before)")
        else:
            failed += 1
            print(f"FAIL erasure of {victim}: exit {erased.returncode}, report {report}, rows before {rows_before}, "
                  f"left {left}, shards hold the log's ids: {shipped == stored}, same members: {same}\n"
                  f"{erased.stderr[-1000:]}")

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
        chdb.terminate()
        chdb.wait(timeout=60)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
