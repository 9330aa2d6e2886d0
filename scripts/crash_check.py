"""Crash test of `strata serve`: a sustained concurrent ingest runs against a live server, which is
killed with SIGKILL at a random moment and restarted, twice. Afterwards:

- every messageId the server acknowledged (a 2xx answer) is in the store (`strata messages --ids-only`);
- the live memberships (`GET /api/v1/segments/NAME/members`) equal a fresh batch run
  (`strata members NAME --format ids`);
- the recorded change log of each segment alternates enter and exit for every profile (a restart
  reported nothing twice), every change names a stored message as its cause (nothing was recomputed
  wholesale on restart), and replaying it gives the live members.

Usage: crash_check.py STRATA_BINARY WORK_DIR [--seed N]
"""

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

# Windows of days over events of the last hours: no membership here moves with time while the test
# runs, so the live answer and a batch run a moment later must agree exactly.
SEGMENTS = {
    "buyers": 'where: count("Order Completed", last 30d) >= 3\n',
    "engaged": 'where: count("Page Viewed", last 7d) >= 12\n',
    "pro": 'where: trait.plan = "pro"\n',
    "buyers-not-pro": 'where: segment("buyers") and not segment("pro")\n',
    "busy-accounts": 'of: accounts\nwhere: count("Page Viewed", last 7d) >= 40\n',
    "signed-up-anonymously": 'where: count("Page Viewed" where path = "/signup") >= 2\n',
}
USERS = 3000
ACCOUNTS = 200
WORKERS = 4
BATCH = 40


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, key, data=None, method=None, timeout=30):
    headers = {"Authorization": f"Bearer {key}"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.status, response.read().decode()


class Server:
    def __init__(self, strata, workspace, admin_key):
        self.strata, self.workspace, self.admin_key = strata, workspace, admin_key
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(workspace, f"serve-{self.port}.log"), "w")
        self.process = subprocess.Popen([strata, "serve", "-w", workspace, "--port", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if call(f"{self.base}/api/v1/health", admin_key)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        self.process.kill()
        raise SystemExit("FAIL: the server did not come up")

    def wait_live(self):
        """Waits until the real-time engine has started (until then the members endpoint answers from a
        batch evaluation and the change log does not yet hold what the restart took in)."""
        deadline = time.time() + 120
        while time.time() < deadline:
            _, body = call(f"{self.base}/api/v1/metrics", self.admin_key)
            if any(line.startswith("strata_live_start_seconds ") for line in body.splitlines()):
                return
            time.sleep(0.05)
        raise SystemExit("FAIL: the real-time engine did not start within 120 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        check(code == 0, f"strata serve exited with {code} after SIGTERM")


class Ingest:
    """WORKERS threads posting batches to /v1/batch until stopped; records acknowledged messageIds."""

    def __init__(self, base, write_key, rng, tag):
        self.base, self.write_key, self.tag = base, write_key, tag
        self.rng = random.Random(rng.random())
        self.acknowledged, self.sent, self.lock = [], 0, threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.work, args=(i,)) for i in range(WORKERS)]

    def message(self, worker, n):
        rng = self.rng
        user = f"user-{rng.randrange(USERS)}"
        stamp = (datetime.now(timezone.utc) - timedelta(minutes=rng.randrange(600))).isoformat(timespec="milliseconds")
        message_id = f"{self.tag}-{worker}-{n}"
        kind = rng.random()
        if kind < 0.05:
            return {"type": "identify", "userId": user, "messageId": message_id, "timestamp": stamp,
                    "anonymousId": f"anon-{user}", "traits": {"plan": rng.choice(["free", "pro", "team"])}}
        if kind < 0.08:
            return {"type": "group", "userId": user, "groupId": f"acct-{rng.randrange(ACCOUNTS)}",
                    "messageId": message_id, "timestamp": stamp, "traits": {"name": "Acme"}}
        if kind < 0.15:
            return {"type": "page", "anonymousId": f"anon-{user}", "name": "Signup", "messageId": message_id,
                    "timestamp": stamp, "properties": {"path": "/signup"}}
        if kind < 0.30:
            return {"type": "track", "userId": user, "event": "Order Completed", "messageId": message_id,
                    "timestamp": stamp, "properties": {"revenue": rng.randrange(5, 200)}}
        return {"type": "page", "userId": user, "name": "Home", "messageId": message_id, "timestamp": stamp,
                "properties": {"path": "/"}}

    def work(self, worker):
        n = 0
        while not self.stopping.is_set():
            batch = [self.message(worker, n + i) for i in range(BATCH)]
            n += BATCH
            body = json.dumps({"batch": batch}).encode()
            try:
                status, _ = call(f"{self.base}/v1/batch", self.write_key, data=body, method="POST", timeout=10)
            except (OSError, urllib.error.URLError):
                status = None
            with self.lock:
                self.sent += len(batch)
                if status is not None and 200 <= status < 300:
                    self.acknowledged += [m["messageId"] for m in batch]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def lines(strata, *args):
    return subprocess.run([strata, *args], check=True, capture_output=True, text=True).stdout.splitlines()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("work")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}")
    strata, workspace = args.strata, os.path.join(args.work, "workspace")
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    for name, text in SEGMENTS.items():
        with open(os.path.join(workspace, "segments", f"{name}.yaml"), "w") as f:
            f.write(text)
    write_key = lines(strata, "keys", "create", "--kind", "write", "-w", workspace)[0]
    admin_key = lines(strata, "keys", "create", "--kind", "admin", "-w", workspace)[0]

    servers = []
    try:
        check_crashes(strata, workspace, write_key, admin_key, rng, servers)
    finally:
        for server in servers:  # never leave a server behind, also when a check failed
            if server.process.poll() is None:
                server.process.kill()


def check_crashes(strata, workspace, write_key, admin_key, rng, servers):
    acknowledged = []
    server = Server(strata, workspace, admin_key)
    servers.append(server)
    for round in (1, 2):
        with Ingest(server.base, write_key, rng, f"r{round}") as ingest:
            time.sleep(rng.uniform(1.5, 5.0))
            server.kill()
        acknowledged += ingest.acknowledged
        print(f"ok  round {round}: killed with SIGKILL after {len(ingest.acknowledged)} of {ingest.sent} "
              "messages were acknowledged")
        server = Server(strata, workspace, admin_key)
        servers.append(server)

    server.wait_live()
    stored = set(lines(strata, "messages", "--ids-only", "-w", workspace))
    missing = [m for m in acknowledged if m not in stored]
    check(not missing, f"{len(missing)} acknowledged messages are not stored, e.g. {missing[:5]}")
    print(f"ok  all {len(acknowledged)} acknowledged messages are stored ({len(stored)} in the store)")

    for name in SEGMENTS:
        _, body = call(f"{server.base}/api/v1/segments/{name}/members?limit=10000", admin_key)
        live = json.loads(body)["members"]
        batch = lines(strata, "members", name, "--format", "ids", "-w", workspace)
        check(0 < len(live) < USERS, f"{name}: {len(live)} members tell nothing; adjust the thresholds")
        check(live == batch, f"{name}: live members ({len(live)}) differ from a batch run ({len(batch)}): "
                             f"live only {sorted(set(live) - set(batch))[:5]}, "
                             f"batch only {sorted(set(batch) - set(live))[:5]}")
        state = {}
        for line in lines(strata, "changes", name, "--format", "jsonl", "-w", workspace):
            change = json.loads(line)
            # The definitions never change here: every change comes from a stored message (or time).
            check(change["cause"] in ("message", "time"), f"{name}: change {change['id']} caused by {change['cause']}")
            check(change["cause"] != "message" or change["message_id"] in stored,
                  f"{name}: change {change['id']} names message {change['message_id']}, which is not stored")
            entered = change["direction"] == "enter"
            check(state.get(change["profile"], False) != entered,
                  f"{name}: {change['profile']} {change['direction']} twice in a row (change {change['id']})")
            state[change["profile"]] = entered
        replayed = sorted((p for p, inside in state.items() if inside), key=lambda p: p.encode())
        check(replayed == live, f"{name}: replaying the change log gives {len(replayed)} members, live {len(live)}")
        print(f"ok  {name}: {len(live)} live members equal a fresh batch run and the replayed change log")
    server.stop()
    print("ok  strata serve stopped cleanly on SIGTERM")


if __name__ == "__main__":
    main()
