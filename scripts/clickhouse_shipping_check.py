#!/usr/bin/env python3
"""`strata serve` with `store: clickhouse` ships what it stores to a real 2-shard cluster of Debian's
clickhouse-server in the background, and survives a shard going down (docs/clickhouse.md).

    scripts/clickhouse_shipping_check.py STRATA WORK

Starts the cluster of scripts/clickhouse_cluster.sh in WORK/cluster (its ports from
CLICKHOUSE_PORT_BASE) and `strata serve` over a workspace with `store: clickhouse` on it, shipping
every second. Then:

1. sends a batch of events, identifies and aliases, and waits until both shards hold each message once
   and `/ready` says nothing waits;
2. stops shard 2 and sends more: every request is answered and stored; `/ready` and the metrics show
   the lag (the new messages, their age in seconds growing), shipping `failing`, and the server's log
   holds the shipping error once, however many retries have failed;
3. starts shard 2 again: the lag goes back to 0, the log says shipping resumed, and the shards hold
   every stored message exactly once (rows counted per messageId), the identity links included;
4. asks the report API for sizes (evaluated), overlap, retention and health, which evaluate inside
   ClickHouse once the background shipping has caught up (no second shipper), and compares their JSON
   (not the timings) with `strata report` / `strata health` on a copy of the workspace with the
   embedded store, made once the server has stopped.

Fails (exit 1) on any difference. Ends with `N passed, M failed`.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.dont_write_bytecode = True
from serve_on_cluster import ServeOnCluster, request, wait_for  # noqa: E402  (beside this script)

# Segments over the messages below: an event of the user, one of an id aliased to it, a trait.
SEGMENTS = {"buyers": 'where: did("Order Completed")\n', "returning": 'where: count("Logged In") >= 1\n',
            "pros": 'where: trait.plan = "pro" and did(any)\n'}

ERROR = "cannot ship messages to ClickHouse"
RESUMED = "shipping messages to ClickHouse again"


def query(url: str, sql: str) -> str:
    req = urllib.request.Request(url + "/", data=sql.encode(), method="POST")
    with urllib.request.urlopen(req, timeout=60) as response:
        return response.read().decode()


def messages(prefix: str, count: int) -> list[dict]:
    """`count` messages: per user an anonymous event, an identify linking it, an alias, and events."""
    out: list[dict] = []
    for i in range(count // 5):
        user, anonymous, old = f"{prefix}-user-{i}", f"{prefix}-anon-{i}", f"{prefix}-old-{i}"
        out += [
            {"type": "track", "anonymousId": anonymous, "event": "Page Viewed", "messageId": f"{prefix}-{i}-a"},
            {"type": "identify", "anonymousId": anonymous, "userId": user, "traits": {"plan": "pro"},
             "messageId": f"{prefix}-{i}-b"},
            {"type": "alias", "previousId": old, "userId": user, "messageId": f"{prefix}-{i}-c"},
            {"type": "track", "userId": user, "event": "Order Completed", "properties": {"revenue": i},
             "messageId": f"{prefix}-{i}-d"},
            {"type": "track", "userId": old, "event": "Logged In", "messageId": f"{prefix}-{i}-e"},
        ]
    return out


def main() -> int:
    strata, work = sys.argv[1], Path(sys.argv[2]).resolve()
    serve = ServeOnCluster(strata, work, "strata_shipping", segments=SEGMENTS)
    urls, base, admin, check, send = serve.urls, serve.base, serve.admin, serve.check, serve.send

    def metrics() -> dict[str, float]:
        status, body = request(f"{base}/api/v1/metrics", admin)
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                if line.startswith("strata_clickhouse_")}

    def shards() -> tuple[list[int], dict[str, int]]:
        """Rows per shard, and the messageIds stored more than once."""
        counts = [int(query(u, "SELECT count() FROM strata_shipping.messages_local")) for u in urls]
        twice = query(urls[0], "SELECT message_id, count() AS n FROM strata_shipping.messages "
                               "GROUP BY message_id HAVING n > 1 FORMAT JSONEachRow")
        return counts, {row["message_id"]: int(row["n"]) for row in map(json.loads, twice.splitlines())}

    def lag_is(messages: int):
        return lambda: (lambda state: state if state.get("clickhouse", {}).get("lag_messages") == messages
                        else None)(serve.ready())

    try:
        state = wait_for(lambda: (lambda s: s if s.get("status") == "ready" else None)(serve.ready())) or {}
        check(state.get("status") == "ready", f"the server is ready: {state}")
        first, second = messages("first", 500), messages("second", 300)
        check(send(first), "500 messages stored while both shards are up")
        state = wait_for(lag_is(0)) or serve.ready()
        counts, twice = shards()
        check(state["clickhouse"] == {"lag_messages": 0, "lag_seconds": 0, "status": "shipping"}
              and sum(counts) == 500 and min(counts) > 0 and not twice,
              f"shipped in the background: /ready {state['clickhouse']}, shards {counts}, twice {twice}")

        serve.shard("stop", 2)
        check(send(second), "300 messages stored while shard 2 is down")
        # Three failed rounds at least (a second apart, then two, then four).
        wait_for(lambda: metrics().get("strata_clickhouse_failed_rounds", 0) >= 3)
        lag = serve.ready().get("clickhouse", {})
        values = metrics()
        check(lag.get("lag_messages") == 300 and lag.get("status") == "failing" and lag.get("lag_seconds", 0) >= 3
              and values.get("strata_clickhouse_lag_messages") == 300
              and values.get("strata_clickhouse_lag_seconds", 0) >= 3
              and values.get("strata_clickhouse_shipping_failing") == 1
              and values.get("strata_clickhouse_failed_rounds", 0) >= 3,
              f"the lag while shard 2 is down: /ready {lag}, metrics {values}")
        logged = serve.log_lines(ERROR)
        check(len(logged) == 1 and "Connection refused" in logged[0],
              f"the shipping error logged once over {values.get('strata_clickhouse_failed_rounds')} failed rounds: "
              f"{logged[0][:400] if logged else None}")
        status, body = request(f"{base}/api/v1/health", admin)
        check(status == 200 and json.loads(body)["messages"] == 800, f"the log holds 800 messages: {body}")

        serve.shard("start", 2)
        state = wait_for(lag_is(0), seconds=120) or serve.ready()
        counts, twice = shards()
        ids = set(query(urls[0], "SELECT message_id FROM strata_shipping.messages").split())
        expected = {m["messageId"] for m in first + second}
        # The identity links: an alias and an identify of an anonymous id per five messages.
        links = query(urls[0], "SELECT countIf(previous_id != ''), countIf(anonymous_id != '' AND user_id != '') "
                               "FROM strata_shipping.messages").split()
        resumed = len(serve.log_lines(RESUMED))
        check(state.get("clickhouse", {}).get("status") == "shipping" and sum(counts) == 800 and not twice
              and ids == expected and links == ['160', '160'] and resumed == 1,
              f"caught up once shard 2 is back: /ready {state.get('clickhouse')}, shards {counts}, "
              f"ids stored more than once {dict(list(twice.items())[:5])}, same ids {ids == expected}, "
              f"aliases and identifies {links}, resumed logged {resumed}")

        # The report API evaluates inside ClickHouse, as the commands do; compared once the server has
        # stopped with the commands on a copy of the workspace with the embedded store.
        end = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:00:00Z")
        start = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:00:00Z")
        reports = {
            "sizes": {"segments": "buyers,returning,pros", "from": start, "to": end, "every": "1h",
                      "source": "evaluation"},
            "overlap": {"segments": "buyers,returning,pros", "as_of": end},
            "retention": {"segments": "buyers,pros", "days": "0,1", "as_of": end},
            "health": {"as_of": end},
        }
        answers = {}
        for kind, parameters in reports.items():
            status, body = request(f"{base}/api/v1/reports/{kind}?{urllib.parse.urlencode(parameters)}", admin)
            answers[kind] = (status, body)
        serve.server.send_signal(signal.SIGTERM)
        serve.server.wait(timeout=60)
        embedded = work / "embedded"
        shutil.rmtree(embedded, ignore_errors=True)
        shutil.copytree(serve.workspace, embedded)
        config = embedded / "strata.yaml"
        config.write_text(config.read_text().split("\nstore: clickhouse\n")[0] + "\nstore: sqlite\n")
        for kind, parameters in reports.items():
            flags = [f"--{key.replace('_', '-')}" if key != "segments" else "" for key in parameters]
            command = [strata, "health"] if kind == "health" else [strata, "report", kind]
            for flag, (key, value) in zip(flags, parameters.items()):
                command += value.split(",") if key == "segments" else [flag, value]
            ours = subprocess.run(command + ["--format", "json", "-w", str(embedded)], capture_output=True, text=True)
            status, body = answers[kind]
            expected = json.loads(ours.stdout) if ours.returncode == 0 else None
            got = json.loads(body) if status == 200 else None
            for value in (expected, got):
                if isinstance(value, dict):
                    value.pop("timing", None)
            counted = any(row.get("size") or row.get("count") or row.get("code") for row in (expected or {}).get("rows", []))
            check(expected is not None and got == expected and counted,
                  f"GET /api/v1/reports/{kind} on ClickHouse equals strata {' '.join(command[1:3])} embedded: "
                  f"HTTP {status}, {body[:300] if got != expected else 'same'}; {ours.stderr[-300:]}")
    finally:
        status = serve.finish()
    return status


if __name__ == "__main__":
    sys.exit(main())
