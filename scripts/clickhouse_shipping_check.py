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
   every stored message exactly once (rows counted per messageId), the identity links included.

Fails (exit 1) on any difference. Ends with `N passed, M failed`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True
from clickhouse_check import use_clickhouse  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "scripts" / "clickhouse_cluster.sh"
ERROR = "cannot ship messages to ClickHouse"
RESUMED = "shipping messages to ClickHouse again"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, headers: dict, method: str = "GET", body=None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


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
    work.mkdir(parents=True, exist_ok=True)
    cluster = work / "cluster"
    shutil.rmtree(cluster, ignore_errors=True)
    urls = subprocess.run([str(CLUSTER), "start", str(cluster)], check=True, capture_output=True,
                          text=True).stdout.split()
    workspace = work / "workspace"
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([strata, "init", str(workspace)], check=True, stdout=subprocess.DEVNULL)
    use_clickhouse(workspace, f"  url: {urls[0]}\n  cluster: strata2\n  nodes: [{', '.join(urls)}]\n"
                              "  database: strata_shipping\n  ship_interval_seconds: 1\n")

    def key(kind: str) -> str:
        return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", str(workspace)], check=True,
                              capture_output=True, text=True).stdout.strip()

    write = {"Authorization": "Basic " + base64.b64encode(f"{key('write')}:".encode()).decode(),
             "Content-Type": "application/json"}
    admin = {"Authorization": f"Bearer {key('admin')}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(work / "serve.log", "w+")
    server = subprocess.Popen([strata, "serve", "-w", str(workspace), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=log, text=True)
    passed = failed = 0

    def check(condition: bool, message: str) -> None:
        nonlocal passed, failed
        if condition:
            passed += 1
            print(f"ok  {message}")
        else:
            failed += 1
            print(f"FAIL {message}")

    def ready() -> dict:
        try:
            status, body = request(f"{base}/ready", {})
        except OSError:  # not listening yet
            return {}
        return json.loads(body) if status == 200 else {}

    def wait_for(condition, seconds: float = 60) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            state = ready()
            if condition(state) or time.monotonic() > deadline:
                return state
            time.sleep(0.2)

    def metrics() -> dict[str, float]:
        status, body = request(f"{base}/api/v1/metrics", admin)
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                if line.startswith("strata_clickhouse_")}

    def send(batch: list[dict]) -> bool:
        answers = [request(f"{base}/v1/batch", write, "POST", {"batch": batch[i:i + 100]})
                   for i in range(0, len(batch), 100)]
        return all(status == 200 and json.loads(body)["stored"] == 100 for status, body in answers)

    def log_lines(text: str) -> int:
        return (work / "serve.log").read_text().count(text)

    def shards() -> tuple[list[int], dict[str, int]]:
        """Rows per shard, and the messageIds stored more than once."""
        counts = [int(query(u, "SELECT count() FROM strata_shipping.messages_local")) for u in urls]
        twice = query(urls[0], "SELECT message_id, count() AS n FROM strata_shipping.messages "
                               "GROUP BY message_id HAVING n > 1 FORMAT JSONEachRow")
        return counts, {row["message_id"]: int(row["n"]) for row in map(json.loads, twice.splitlines())}

    try:
        state = wait_for(lambda s: s.get("status") == "ready")
        check(state.get("status") == "ready", f"the server is ready: {state}")
        first, second = messages("first", 500), messages("second", 300)
        check(send(first), "500 messages stored while both shards are up")
        state = wait_for(lambda s: s.get("clickhouse", {}).get("lag_messages") == 0)
        counts, twice = shards()
        check(state["clickhouse"] == {"lag_messages": 0, "lag_seconds": 0, "status": "shipping"}
              and sum(counts) == 500 and min(counts) > 0 and not twice,
              f"shipped in the background: /ready {state['clickhouse']}, shards {counts}, twice {twice}")

        subprocess.run([str(CLUSTER), "stop-shard", str(cluster), "2"], check=True)
        check(send(second), "300 messages stored while shard 2 is down")
        # Three failed rounds at least (a second apart, then two, then four).
        deadline = time.monotonic() + 60
        while metrics().get("strata_clickhouse_failed_rounds", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        lag = ready().get("clickhouse", {})
        values = metrics()
        check(lag.get("lag_messages") == 300 and lag.get("status") == "failing" and lag.get("lag_seconds", 0) >= 3
              and values.get("strata_clickhouse_lag_messages") == 300
              and values.get("strata_clickhouse_lag_seconds", 0) >= 3
              and values.get("strata_clickhouse_shipping_failing") == 1
              and values.get("strata_clickhouse_failed_rounds", 0) >= 3,
              f"the lag while shard 2 is down: /ready {lag}, metrics {values}")
        logged = [line for line in (work / "serve.log").read_text().splitlines() if ERROR in line]
        check(len(logged) == 1 and "Connection refused" in logged[0],
              f"the shipping error logged once over {values.get('strata_clickhouse_failed_rounds')} failed rounds: "
              f"{logged[0][:400] if logged else None}")
        status, body = request(f"{base}/api/v1/health", admin)
        check(status == 200 and json.loads(body)["messages"] == 800, f"the log holds 800 messages: {body}")

        subprocess.run([str(CLUSTER), "start-shard", str(cluster), "2"], check=True)
        state = wait_for(lambda s: s.get("clickhouse", {}).get("lag_messages") == 0, seconds=120)
        counts, twice = shards()
        ids = set(query(urls[0], "SELECT message_id FROM strata_shipping.messages").split())
        expected = {m["messageId"] for m in first + second}
        # The identity links: an alias and an identify of an anonymous id per five messages.
        links = query(urls[0], "SELECT countIf(previous_id != ''), countIf(anonymous_id != '' AND user_id != '') "
                               "FROM strata_shipping.messages").split()
        check(state.get("clickhouse", {}).get("status") == "shipping" and sum(counts) == 800 and not twice
              and ids == expected and links == ['160', '160'] and log_lines(RESUMED) == 1,
              f"caught up once shard 2 is back: /ready {state.get('clickhouse')}, shards {counts}, "
              f"ids stored more than once {dict(list(twice.items())[:5])}, same ids {ids == expected}, "
              f"aliases and identifies {links}, resumed logged {log_lines(RESUMED)}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        subprocess.run([str(CLUSTER), "stop", str(cluster)], check=False)
        log.close()
    if failed:
        print((work / "serve.log").read_text()[-3000:])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
