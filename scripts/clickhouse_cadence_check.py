#!/usr/bin/env python3
"""`strata serve` with `store: clickhouse` recomputes its cadence segments inside ClickHouse, on a real
2-shard cluster of Debian's clickhouse-server (docs/clickhouse.md, "Cadence segments").

    scripts/clickhouse_cadence_check.py STRATA WORK

Starts the cluster of scripts/clickhouse_cluster.sh in WORK/cluster (its ports from
CLICKHOUSE_PORT_BASE, 18140 unless set) and `strata serve` over a workspace with `store: clickhouse`
on it, shipping every second, and one segment with `refresh: 15m`. A cadence is 15 minutes at least,
so the server runs under libfaketime (Debian's `faketime` package) with its clock read from a file:
the check moves the server's wall clock forward by hand, as the Swift tests move their clock, and the
server's monotonic clock keeps real time. Then:

1. sends orders, refunds, identifies (anonymous orders merged into users) and anonymous-only
   profiles (once the start's own recomputation inside ClickHouse, of nothing, is logged); moves the
   clock past the cadence: the recomputation records `cadence` changes whose
   members equal the members worked out here from the events sent (at least 2 orders, revenue over
   100, no refund);
2. stops shard 2, sends more (new members, members refunding); moves the clock past the next cadence:
   the recomputation fails (the shipping cannot catch up), the server logs it, and no change is
   recorded;
3. starts shard 2 again and moves the clock past the retry: the recomputation succeeds, recording
   exactly the enters and exits from the first answer to the members worked out from every event sent;
4. stops the server, raises the segment's revenue threshold to 150 in its file and starts it again:
   the start has no usable snapshot (taken with other definitions), and recomputes the segment inside
   ClickHouse at once (logged with `evaluator=clickhouse`), recording `cadence` exits of those under
   the new threshold, as worked out here;
5. puts the first definition back through the API (PUT): the segment is recomputed inside ClickHouse
   at once (logged with `evaluator=clickhouse cause=definition`), recording `definition` enters back
   to the members of step 3.

The segment's recorded members (`/members`) equal the replayed changes at each step. Fails (exit 1)
on any difference. Ends with `N passed, M failed`.
"""

from __future__ import annotations

import json
import os
import random
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.dont_write_bytecode = True
from serve_on_cluster import ServeOnCluster, request, wait_for  # noqa: E402  (beside this script)

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
SEGMENT = "big-spenders"
DEFINITION = ('title: Big spenders\nrefresh: 15m\nwhere: count("Order Completed") >= 2 and '
              'sum("Order Completed", revenue) > 100 and not did("Refund Requested")\n')
RAISED = DEFINITION.replace("> 100", "> 150")
FAILED = "real-time memberships: cannot recompute cadence segments"
RECOMPUTED = "real-time memberships: cadence segments recomputed"


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Population:
    """Messages of users and anonymous visitors, and the members the segment must hold after them."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        # Every event happened in the hours before the check began (the server's clock only moves on).
        self.start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=6)
        self.sent = 0
        self.orders: dict[str, list[float]] = {}  # profile -> revenues
        self.refunded: set[str] = set()
        self.profile: dict[str, str] = {}  # anonymousId -> userId, once identified

    def _next(self) -> tuple[str, str]:
        self.sent += 1
        return f"m-{self.sent}", iso(self.start + timedelta(seconds=self.sent))

    def order(self, profile: str, *, anonymous: bool = False) -> dict:
        message_id, timestamp = self._next()
        revenue = self.random.randint(10, 80)
        self.orders.setdefault(self.profile.get(profile, profile), []).append(revenue)
        who = {"anonymousId": profile} if anonymous else {"userId": profile}
        return {"type": "track", "event": "Order Completed", "properties": {"revenue": revenue},
                "messageId": message_id, "timestamp": timestamp, **who}

    def refund(self, profile: str) -> dict:
        message_id, timestamp = self._next()
        self.refunded.add(profile)
        return {"type": "track", "event": "Refund Requested", "userId": profile, "messageId": message_id,
                "timestamp": timestamp}

    def identify(self, anonymous: str, user: str) -> dict:
        """Merges an anonymous visitor's profile (and its orders) into a user's."""
        message_id, timestamp = self._next()
        self.profile[anonymous] = user
        self.orders.setdefault(user, []).extend(self.orders.pop(anonymous, []))
        return {"type": "identify", "anonymousId": anonymous, "userId": user, "traits": {"plan": "pro"},
                "messageId": message_id, "timestamp": timestamp}

    def members(self, over: int = 100) -> set[str]:
        return {p for p, revenues in self.orders.items()
                if len(revenues) >= 2 and sum(revenues) > over and p not in self.refunded}

    def first(self) -> list[dict]:
        """Users with 0 to 4 orders, some of them first ordering anonymously, and anonymous buyers."""
        out: list[dict] = []
        for i in range(60):
            user, anonymous = f"user-{i}", f"anon-{i}"
            if i % 3 == 0:
                out += [self.order(anonymous, anonymous=True) for _ in range(self.random.randint(1, 2))]
                out.append(self.identify(anonymous, user))
            out += [self.order(user) for _ in range(self.random.randint(0, 4))]
            if i % 11 == 5:
                out.append(self.refund(user))
        for i in range(15):
            out += [self.order(f"visitor-{i}", anonymous=True) for _ in range(self.random.randint(1, 4))]
        return out

    def second(self, members: set[str]) -> list[dict]:
        """More orders for those outside, refunds of some members, and new users."""
        out: list[dict] = []
        for i in range(60):
            user = f"user-{i}"
            if user in members and i % 4 == 0:
                out.append(self.refund(user))
            elif user not in members and i % 2 == 0:
                out += [self.order(user) for _ in range(3)]
        for i in range(60, 70):
            out += [self.order(f"user-{i}") for _ in range(self.random.randint(1, 4))]
        return out


def main() -> int:
    strata, work = sys.argv[1], Path(sys.argv[2]).resolve()
    if not Path(FAKETIME).exists():
        print(f"FAIL {FAKETIME} is missing: install Debian's faketime package")
        return 1
    os.environ.setdefault("CLICKHOUSE_PORT_BASE", "18140")
    work.mkdir(parents=True, exist_ok=True)
    # The server's wall clock: real time plus the offset in this file, read at every look.
    offset = work / "faketime"
    offset.write_text("+0\n")
    environment = dict(os.environ, LD_PRELOAD=FAKETIME, FAKETIME_TIMESTAMP_FILE=str(offset),
                       FAKETIME_NO_CACHE="1", FAKETIME_DONT_FAKE_MONOTONIC="1")
    # Through env: started straight from Python with libfaketime preloaded, strata saw no arguments.
    serve = ServeOnCluster(strata, work, "strata_cadence", segments={SEGMENT: DEFINITION}, prefix=["env"],
                           environment=environment)
    base, admin, check, send = serve.base, serve.admin, serve.check, serve.send

    def paged(path: str, field: str) -> list:
        out, cursor = [], None
        while True:
            status, body = request(f"{base}{path}?limit=1000" + (f"&cursor={cursor}" if cursor else ""), admin)
            if status != 200:
                raise SystemExit(f"{path}: {status} {body[:300]}")
            answer = json.loads(body)
            out += answer[field]
            cursor = answer.get("next_cursor")
            if not cursor:
                return out

    def changes() -> list[dict]:
        return paged(f"/api/v1/segments/{SEGMENT}/changes", "changes")

    def recorded() -> set[str]:
        return set(paged(f"/api/v1/segments/{SEGMENT}/members", "members"))

    def replay(log: list[dict]) -> set[str]:
        members: set[str] = set()
        for change in log:
            (members.add if change["direction"] == "enter" else members.discard)(change["profile"])
        return members

    def move_clock(minutes: int) -> None:
        offset.write_text(f"+{minutes}m\n")

    def recomputations(cause: str) -> list[str]:
        """The recomputations of the segment inside ClickHouse that recorded, logged with their cause."""
        return [line for line in serve.log_lines(RECOMPUTED)
                if "evaluator=clickhouse" in line and f"cause={cause}" in line and f"segments={SEGMENT}" in line]

    population = Population(seed=30)
    try:
        state = wait_for(lambda: (lambda s: s if s.get("status") == "ready" else None)(serve.ready()))
        check(bool(state), f"the server is ready: {state}")
        # The first start asks ClickHouse at once (of an empty log); sent after it, no message can reach it.
        check(bool(wait_for(lambda: recomputations("cadence"), seconds=60)),
              "the first start recomputed the segment inside ClickHouse")
        first = population.first()
        expected = population.members()
        check(send(first), f"{len(first)} messages stored")
        check(changes() == [], "no cadence change before the segment is due")

        # 1. Past the cadence: recomputed inside ClickHouse, the members those worked out here.
        move_clock(16)
        log1 = wait_for(changes, seconds=90) or []
        # Members of each kind: users whose anonymous orders count once merged, and anonymous visitors.
        merged = {f"user-{i}" for i in range(0, 60, 3) if len(population.orders.get(f"user-{i}", [])) >= 2}
        check(any(m.startswith("visitor-") for m in expected) and bool(merged & expected),
              f"the expectation holds visitors and merged users: {sorted(expected)}")
        check(len(expected) >= 10 and replay(log1) == expected
              and all(c["cause"] == "cadence" and c["direction"] == "enter" for c in log1)
              and len({c["instant"] for c in log1}) == 1,
              f"the first recomputation: {len(log1)} cadence enters at {sorted({c['instant'] for c in log1})}, "
              f"members as expected {replay(log1) == expected} ({len(expected)} expected; "
              f"missing {sorted(expected - replay(log1))[:5]}, extra {sorted(replay(log1) - expected)[:5]})")
        check(recorded() == expected, "the recorded members are the recomputed ones")

        # 2. Shard 2 down: the shipping cannot catch up, the recomputation fails and records nothing.
        serve.shard("stop", 2)
        second = population.second(expected)
        expected2 = population.members()
        check(send(second), f"{len(second)} more messages stored while shard 2 is down")
        move_clock(32)
        logged = wait_for(lambda: serve.log_lines(FAILED), seconds=90) or []
        check(len(logged) >= 1 and "ClickHouse is behind the message log" in logged[0],
              f"the failed recomputation is logged: {logged[0][:400] if logged else None}")
        check(changes() == log1 and recorded() == expected,
              "nothing recorded while the recomputation fails")

        # 3. Shard 2 back: shipping catches up, the retry succeeds with every message sent.
        serve.shard("start", 2)
        caught_up = wait_for(lambda: serve.ready().get("clickhouse", {}).get("lag_messages") == 0, seconds=120)
        check(caught_up, f"shipping caught up: {serve.ready().get('clickhouse')}")
        move_clock(35)
        log2 = wait_for(lambda: (lambda all: all[len(log1):] if len(all) > len(log1) else None)(changes()),
                        seconds=120) or []
        enters = {c["profile"] for c in log2 if c["direction"] == "enter"}
        exits = {c["profile"] for c in log2 if c["direction"] == "exit"}
        check(expected2 != expected and enters == expected2 - expected and exits == expected - expected2
              and all(c["cause"] == "cadence" for c in log2) and len({c["instant"] for c in log2}) == 1,
              f"the retry once shard 2 is back: {len(enters)} enters, {len(exits)} exits "
              f"(expected {len(expected2 - expected)} and {len(expected - expected2)})")
        check(replay(changes()) == expected2 and recorded() == expected2,
              f"the members after the retry are those of every event sent ({len(expected2)})")

        # 4. A start without a usable snapshot (the definition changed while stopped): ClickHouse at once.
        before = len(recomputations("cadence"))
        (serve.workspace / "segments" / f"{SEGMENT}.yaml").write_text(RAISED)
        check(serve.restart(), "the server stopped for the restart")
        check(bool(wait_for(lambda: serve.ready().get("status") == "ready")), "the server is ready again")
        raised = population.members(over=150)
        log3 = wait_for(lambda: (lambda all: all[len(log1) + len(log2):]
                                 if len(all) > len(log1) + len(log2) else None)(changes()), seconds=90) or []
        check(raised < expected2 and len(recomputations("cadence")) == before + 1
              and {c["profile"] for c in log3} == expected2 - raised
              and all(c["direction"] == "exit" and c["cause"] == "cadence" for c in log3)
              and len({c["instant"] for c in log3}) == 1 and recorded() == raised,
              f"the start without a usable snapshot recomputed inside ClickHouse: {len(log3)} cadence exits "
              f"(expected {len(expected2 - raised)}), logged {len(recomputations('cadence')) - before} time(s)")

        # 5. A PUT of the segment: ClickHouse at once, recorded as a definition change.
        put = urllib.request.Request(f"{base}/api/v1/segments/{SEGMENT}", method="PUT", headers=admin,
                                     data=DEFINITION.encode())
        with urllib.request.urlopen(put, timeout=30) as response:
            check(response.status == 200, f"PUT of the segment: {response.status}")
        log4 = wait_for(lambda: (lambda all: all[len(log1) + len(log2) + len(log3):]
                                 if len(all) > len(log1) + len(log2) + len(log3) else None)(changes()),
                        seconds=90) or []
        check(len(recomputations("definition")) == 1 and {c["profile"] for c in log4} == expected2 - raised
              and all(c["direction"] == "enter" and c["cause"] == "definition" for c in log4)
              and recorded() == expected2,
              f"the PUT recomputed inside ClickHouse: {len(log4)} definition enters "
              f"(expected {len(expected2 - raised)}), logged {len(recomputations('definition'))} time(s)")
    finally:
        status = serve.finish()
    return status


if __name__ == "__main__":
    sys.exit(main())
