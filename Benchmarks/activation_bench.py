"""Activation benchmark of `strata serve` (not a test: it asserts nothing about time).

Sets up a workspace with the example segments, scores and stages, `strata generate --profile saas --users USERS --days 30
--end NOW` imported, a segment `bench-pinged` (`did("Bench Ping", last 1d)`), a webhook destination to
a receiver in this process (Python's ThreadingHTTPServer on loopback, answering 200 at once) and an
activation sending each enter of `bench-pinged` to it. Then it measures:

- enter to webhook received: "Bench Ping" tracks for fresh users at RATE per second for SECONDS
  (batches of 10 every 10 ms at 1,000/s), each user's enter triggering one signed delivery; the
  latency is the receiver's arrival time minus the time the track was posted (p50, p99, max);
- delivery throughput: BURST entries posted as fast as the server takes them (batches of 500), and
  deliveries received per second from the first to the last; this figure is bounded by the Python
  receiver as much as by the outbox, which the output says with the receiver's CPU time.

Prints one JSON object. Usage:
  activation_bench.py STRATA WORKDIR [--users N] [--rate R] [--seconds S] [--burst N]
"""

import argparse
import base64
import http.client
import json
import os
import resource
import shutil
import subprocess
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from live_bench import free_port, percentiles

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "whsec_" + base64.b64encode(b"activation-benchmark-key").decode()


class Receiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                now = time.time()
                with receiver.lock:
                    receiver.arrivals.setdefault(body["profile"]["id"], now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def prepare(strata, work, users, receiver_port):
    ws = os.path.join(work, f"activation-{users}")
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run([strata, "init", ws], check=True, stdout=subprocess.DEVNULL)
    for folder in ("segments", "scores", "stages"):
        for name in os.listdir(os.path.join(ROOT, "examples", folder)):
            shutil.copy(os.path.join(ROOT, "examples", folder, name), os.path.join(ws, folder))
    with open(os.path.join(ws, "segments", "bench-pinged.yaml"), "w") as f:
        f.write('where: did("Bench Ping", last 1d)\n')
    os.makedirs(os.path.join(ws, "destinations"))
    with open(os.path.join(ws, "destinations", "receiver.yaml"), "w") as f:
        f.write(f"kind: webhook\nurl: http://127.0.0.1:{receiver_port}/hook\nsecret: {SECRET}\n"
                "concurrency: 32\nrate: 100000/s\n")
    os.makedirs(os.path.join(ws, "activations"))
    with open(os.path.join(ws, "activations", "bench.yaml"), "w") as f:
        f.write("segment: bench-pinged\non: enter\nsteps:\n  - destination: receiver\n")
    data = os.path.join(work, f"activation-{users}.jsonl")
    end = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    subprocess.run([strata, "generate", "--profile", "saas", "--users", str(users), "--days", "30", "--seed", "1",
                    "--end", end, "--out", data], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([strata, "import", data, "-w", ws], check=True, stdout=subprocess.DEVNULL)
    return ws


def key(strata, ws, kind):
    return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", ws], check=True, capture_output=True,
                          text=True).stdout.strip()


def wait_ready(port, server):
    deadline = time.time() + 300
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("strata serve exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("strata serve was not ready within 300 s (do the definitions check?)")


def post_batch(connection, write, users):
    batch = [{"type": "track", "event": "Bench Ping", "userId": u, "messageId": f"bench-{u}"} for u in users]
    body = json.dumps({"batch": batch})
    connection.request("POST", "/v1/batch", body=body,
                       headers={"Authorization": f"Bearer {write}", "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"batch answered {response.status}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("work")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=20_000)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    receiver = Receiver()
    ws = prepare(args.strata, args.work, args.users, receiver.port)
    write = key(args.strata, ws, "write")
    port = free_port()
    server = subprocess.Popen([args.strata, "serve", "-w", ws, "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, server)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # Enter to webhook received at a steady rate.
        sent = {}
        per_batch = max(1, args.rate // 100)
        start = time.time()
        for tick in range(args.seconds * 100):
            due = start + tick / 100
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            users = [f"steady-{tick}-{i}" for i in range(per_batch)]
            now = time.time()
            post_batch(connection, write, users)
            for user in users:
                sent[user] = now
        deadline = time.time() + 60
        while time.time() < deadline and len(receiver.arrivals) < len(sent):
            time.sleep(0.05)
        latencies = [receiver.arrivals[u] - t for u, t in sent.items() if u in receiver.arrivals]
        sending = max(sent.values()) - start
        steady = {"entries_per_second": round(len(sent) / sending) if sending > 0 else None,
                  "entries": len(sent), "received": len(latencies), "enter_to_webhook": percentiles(latencies)}
        # Burst: as fast as the server takes them.
        before = len(receiver.arrivals)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        burst_users = [f"burst-{i}" for i in range(args.burst)]
        for i in range(0, len(burst_users), 500):
            post_batch(connection, write, burst_users[i:i + 500])
        deadline = time.time() + 120
        while time.time() < deadline and len(receiver.arrivals) < before + len(burst_users):
            time.sleep(0.05)
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        times = sorted(receiver.arrivals[u] for u in burst_users if u in receiver.arrivals)
        span = times[-1] - times[0] if len(times) > 1 else 0
        burst = {"entries": len(burst_users), "received": len(times),
                 "deliveries_per_second": round(len(times) / span) if span else None,
                 "receiver_cpu_seconds": round((cpu_after.ru_utime + cpu_after.ru_stime)
                                               - (cpu_before.ru_utime + cpu_before.ru_stime), 2),
                 "seconds": round(span, 2)}
        print(json.dumps({"users": args.users, "steady": steady, "burst": burst}, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
