"""Crash test of `strata serve`: a concurrent ingest of a fixed plan of messages runs against a
live server, which is killed with SIGKILL at a random point of the plan and restarted, twice. A batch
that was not acknowledged (the server was killed or was starting) is sent again until it is, as an
SDK retries. Afterwards:

- the store holds every planned messageId exactly once (`strata messages --ids-only`), so nothing
  acknowledged before a kill was lost and nothing sent twice was stored twice;
- the live memberships (`GET /api/v1/segments/NAME/members`) equal a fresh batch run
  (`strata members NAME --format ids`);
- the recorded change log of each segment alternates enter and exit for every profile (a restart
  reported nothing twice), every change names a stored message as its cause (nothing was recomputed
  wholesale on restart), and replaying it gives the live members.

The plan is a fixed number of messages, so the memberships do not depend on how fast the machine is.

Usage: crash_check.py STRATA_BINARY WORK_DIR [--seed N]
"""

import argparse
import json
import os
import queue
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
# runs, so the live answer and a batch run a moment later must agree exactly. With the plan below a
# user has about 14 page views and 3 orders on average, so every segment holds some but not all.
SEGMENTS = {
    "buyers": 'where: count("Order Completed", last 30d) >= 3\n',
    "engaged": 'where: count("Page Viewed", last 7d) >= 15\n',
    "pro": 'where: trait.plan = "pro"\n',
    "buyers-not-pro": 'where: segment("buyers") and not segment("pro")\n',
    "busy-accounts": 'of: accounts\nwhere: count("Page Viewed", last 7d) >= 100\n',
    "signed-up-anonymously": 'where: count("Page Viewed" where path = "/signup") >= 2\n',
}
USERS = 3000
ACCOUNTS = 200
WORKERS = 4
BATCH = 40
PLANNED = 60_000
# The two kills happen once this share of the plan is acknowledged, drawn at random in each range.
KILLS = ((0.15, 0.45), (0.55, 0.85))
# A worker that gets no acknowledgement for this long gives up and the test fails.
PATIENCE = 120


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
                break
            time.sleep(0.05)
        else:
            raise SystemExit("FAIL: the real-time engine did not start within 120 s")
        # Members answer from the recorded state without waiting for the engine's backlog: wait until the
        # engine has taken every stored message (`lag_messages` of /ready).
        while time.time() < deadline:
            _, body = call(f"{self.base}/ready", self.admin_key)
            if json.loads(body).get("lag_messages") == 0:
                return
            time.sleep(0.05)
        raise SystemExit("FAIL: the real-time engine did not catch up within 120 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        check(code == 0, f"strata serve exited with {code} after SIGTERM")


def plan(rng):
    """The messages of the test, in batches of BATCH: every one is sent until acknowledged."""
    now = datetime.now(timezone.utc)
    messages = []
    for n in range(PLANNED):
        user = f"user-{rng.randrange(USERS)}"
        stamp = (now - timedelta(minutes=rng.randrange(600))).isoformat(timespec="milliseconds")
        header = {"messageId": f"m-{n}", "timestamp": stamp}
        kind = rng.random()
        if kind < 0.05:
            body = {"type": "identify", "userId": user, "anonymousId": f"anon-{user}",
                    "traits": {"plan": rng.choice(["free", "pro", "team"])}}
        elif kind < 0.08:
            body = {"type": "group", "userId": user, "groupId": f"acct-{rng.randrange(ACCOUNTS)}",
                    "traits": {"name": "Acme"}}
        elif kind < 0.15:
            body = {"type": "page", "anonymousId": f"anon-{user}", "name": "Signup",
                    "properties": {"path": "/signup"}}
        elif kind < 0.30:
            body = {"type": "track", "userId": user, "event": "Order Completed",
                    "properties": {"revenue": rng.randrange(5, 200)}}
        else:
            body = {"type": "page", "userId": user, "name": "Home", "properties": {"path": "/"}}
        messages.append(header | body)
    return [messages[i:i + BATCH] for i in range(0, PLANNED, BATCH)]


class Ingest:
    """WORKERS threads posting the planned batches to /v1/batch of whichever server is up. A batch
    that gets no 2xx answer is sent again; the messageIds of acknowledged batches are recorded."""

    def __init__(self, batches, base, write_key):
        self.base, self.write_key = base, write_key
        self.pending = queue.Queue()
        for batch in batches:
            self.pending.put(batch)
        self.acknowledged, self.lock = [], threading.Lock()
        self.failure = None
        self.threads = [threading.Thread(target=self.work) for _ in range(WORKERS)]

    def send_to(self, base):
        with self.lock:
            self.base = base

    def count(self):
        with self.lock:
            return len(self.acknowledged)

    def work(self):
        while self.failure is None:
            try:
                batch = self.pending.get_nowait()
            except queue.Empty:
                return
            body = json.dumps({"batch": batch}).encode()
            deadline = time.time() + PATIENCE
            while self.failure is None:
                with self.lock:
                    base = self.base
                try:
                    status, _ = call(f"{base}/v1/batch", self.write_key, data=body, method="POST", timeout=10)
                except (OSError, urllib.error.URLError):
                    status = None
                if status is not None and 200 <= status < 300:
                    with self.lock:
                        self.acknowledged += [m["messageId"] for m in batch]
                    break
                if time.time() > deadline:
                    self.failure = f"no batch was acknowledged for {PATIENCE} s (last answer {status})"
                    return
                time.sleep(0.05)

    def wait_for(self, count):
        deadline = time.time() + PATIENCE
        while self.count() < count:
            check(self.failure is None and time.time() < deadline,
                  f"the ingest stalled at {self.count()} acknowledged messages: {self.failure}")
            time.sleep(0.002)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, error, *_):
        if error is not None and self.failure is None:
            self.failure = "the test stopped"
        for thread in self.threads:
            thread.join()


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
    batches = plan(rng)
    server = Server(strata, workspace, admin_key)
    servers.append(server)
    with Ingest(batches, server.base, write_key) as ingest:
        for round, (low, high) in enumerate(KILLS, start=1):
            ingest.wait_for(rng.randrange(int(PLANNED * low), int(PLANNED * high)))
            server.kill()
            print(f"ok  round {round}: killed with SIGKILL after {ingest.count()} of {PLANNED} messages "
                  "were acknowledged")
            server = Server(strata, workspace, admin_key)
            servers.append(server)
            ingest.send_to(server.base)
    check(ingest.failure is None, ingest.failure)
    check(ingest.count() == PLANNED, f"{ingest.count()} of {PLANNED} messages were acknowledged")

    server.wait_live()
    listed = lines(strata, "messages", "--ids-only", "-w", workspace)
    stored = set(listed)
    check(len(listed) == len(stored), f"{len(listed) - len(stored)} messageIds are stored twice")
    missing = [m for m in ingest.acknowledged if m not in stored]
    check(not missing, f"{len(missing)} acknowledged messages are not stored, e.g. {missing[:5]}")
    check(len(stored) == PLANNED, f"{len(stored)} messages are stored, {PLANNED} were sent")
    print(f"ok  all {PLANNED} acknowledged messages are stored, each once")

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
