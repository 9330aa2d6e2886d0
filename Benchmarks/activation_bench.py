"""Activation benchmark of `strata serve` (not a test: it asserts nothing about time).

Sets up a workspace with the example segments, scores and stages, `strata generate --profile saas --users USERS --days 30
--end NOW` imported, a segment `bench-pinged` (`did("Bench Ping", last 1d)`), a webhook destination to
a receiver in this process (a minimal HTTP/1.1 server on asyncio on loopback, answering 200 at once) and an
activation sending each enter of `bench-pinged` to it. Then it measures:

- enter to webhook received: "Bench Ping" tracks for fresh users at RATE per second for SECONDS
  (batches of 10 every 10 ms at 1,000/s), each user's enter triggering one signed delivery; the
  latency is the receiver's arrival time minus the time the track was posted (p50, p99, max). With
  `--warmup S` the same load runs S seconds first, unmeasured (the first seconds after the server is
  ready include the engine's first snapshot, a few seconds of one core);
- delivery throughput: BURST entries posted as fast as the server takes them (batches of 500), and
  deliveries received per second from the first to the last; the receiver shares the cores, so the
  output gives this process's CPU time over the burst, and the server's (all of its work per entry:
  ingestion, the engine, the outbox and the HTTP client), which a busy machine moves less than the rate.

With `--soak SECONDS` it measures memory instead: "Bench Ping" tracks at RATE per second for SECONDS
over a fixed pool of RATE x 120 users, with `bench-pinged` narrowed to `last 1m`, so that each user
leaves a minute after a ping and enters again at its next one, two minutes later (the set of profiles
stops growing after the first two minutes). Every few seconds it samples the server's resident memory
(VmRSS in /proc/PID/status) and reports the first, the middle (half-way through), last and largest
sample, with the samples. With
`--fail-half` the receiver answers every other request 503, so half the attempts are retried on the
destination's default schedule (0s, 5s, 5m, ...). With `--no-activation` no activation is defined, which
gives the memory of the same ingest without the outbox's work.

Prints one JSON object. Usage:
  activation_bench.py STRATA WORKDIR [--users N] [--rate R] [--seconds S] [--burst N] [--warmup S]
                      [--server-log F]
  activation_bench.py STRATA WORKDIR [--users N] [--rate R] --soak SECONDS [--fail-half] [--sample S]
                      [--no-activation]
"""

import argparse
import asyncio
import base64
import http.client
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.request
from datetime import datetime, timezone

from live_bench import free_port, percentiles

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "whsec_" + base64.b64encode(b"activation-benchmark-key").decode()


class Receiver:
    """A webhook receiver on loopback: a minimal HTTP/1.1 server on asyncio in a thread of its own, so that
    its cost per request (a fraction of ThreadingHTTPServer's) leaves the shared cores to the server."""

    def __init__(self, fail_half=False):
        self.lock = threading.Lock()
        self.arrivals = {}
        self.delivery_ids = set()
        self.requests = 0
        self.failed = 0
        self.fail_half = fail_half
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(self.loop)
            server = self.loop.run_until_complete(
                self.loop.create_server(lambda: Connection(self), "127.0.0.1", 0, backlog=1024))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait()

    def received(self, body, delivery_id):
        """Records a request; returns whether it is answered 200 (else 503)."""
        profile = json.loads(body)["profile"]["id"]
        now = time.time()
        with self.lock:
            self.requests += 1
            if self.fail_half and self.requests % 2 == 0:
                self.failed += 1
                return False
            self.arrivals.setdefault(profile, now)
            self.delivery_ids.add(delivery_id)
            return True


class Connection(asyncio.Protocol):
    OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    UNAVAILABLE = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"

    def __init__(self, receiver):
        self.receiver = receiver
        self.buffer = b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length, delivery_id = 0, None
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"webhook-id":
                    delivery_id = value.strip().decode()
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4:end + 4 + length]
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(self.OK if self.receiver.received(body, delivery_id) else self.UNAVAILABLE)


def prepare(strata, work, users, receiver_port, window="1d", activation=True):
    ws = os.path.join(work, f"activation-{users}")
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run([strata, "init", ws], check=True, stdout=subprocess.DEVNULL)
    for folder in ("segments", "scores", "stages"):
        for name in os.listdir(os.path.join(ROOT, "examples", folder)):
            shutil.copy(os.path.join(ROOT, "examples", folder, name), os.path.join(ws, folder))
    with open(os.path.join(ws, "segments", "bench-pinged.yaml"), "w") as f:
        f.write(f'where: did("Bench Ping", last {window})\n')
    os.makedirs(os.path.join(ws, "destinations"))
    with open(os.path.join(ws, "destinations", "receiver.yaml"), "w") as f:
        f.write(f"kind: webhook\nurl: http://127.0.0.1:{receiver_port}/hook\nsecret: {SECRET}\n"
                "concurrency: 32\nrate: 100000/s\n")
    os.makedirs(os.path.join(ws, "activations"))
    if activation:
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


def post_batch(connection, write, users, suffix=""):
    batch = [{"type": "track", "event": "Bench Ping", "userId": u, "messageId": f"bench-{u}{suffix}"} for u in users]
    body = json.dumps({"batch": batch})
    connection.request("POST", "/v1/batch", body=body,
                       headers={"Authorization": f"Bearer {write}", "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"batch answered {response.status}")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def cpu_seconds(pid):
    """The user and system CPU time a process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def steady_and_burst(args, receiver, connection, write, pid):
    per_batch = max(1, args.rate // 100)
    # Warm-up at the same rate, not measured (the server's first seconds after ready include the engine's
    # first snapshot).
    for tick in paced(args.warmup * 100):
        post_batch(connection, write, [f"warmup-{tick}-{i}" for i in range(per_batch)])
    # Enter to webhook received at a steady rate.
    sent = {}
    start = time.time()
    for tick in paced(args.seconds * 100):
        users = [f"steady-{tick}-{i}" for i in range(per_batch)]
        now = time.time()
        post_batch(connection, write, users)
        for user in users:
            sent[user] = now
    deadline = time.time() + 60
    while time.time() < deadline and any(u not in receiver.arrivals for u in sent):
        time.sleep(0.05)
    latencies = [receiver.arrivals[u] - t for u, t in sent.items() if u in receiver.arrivals]
    sending = max(sent.values()) - start
    steady = {"entries_per_second": round(len(sent) / sending) if sending > 0 else None,
              "entries": len(sent), "received": len(latencies), "enter_to_webhook": percentiles(latencies)}
    # Burst: as fast as the server takes them.
    before = len(receiver.arrivals)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    server_before = cpu_seconds(pid)
    burst_users = [f"burst-{i}" for i in range(args.burst)]
    for i in range(0, len(burst_users), 500):
        post_batch(connection, write, burst_users[i:i + 500])
    deadline = time.time() + 120
    while time.time() < deadline and len(receiver.arrivals) < before + len(burst_users):
        time.sleep(0.05)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = cpu_seconds(pid) - server_before
    times = sorted(receiver.arrivals[u] for u in burst_users if u in receiver.arrivals)
    span = times[-1] - times[0] if len(times) > 1 else 0
    burst = {"entries": len(burst_users), "received": len(times),
             "deliveries_per_second": round(len(times) / span) if span else None,
             "receiver_cpu_seconds": round((cpu_after.ru_utime + cpu_after.ru_stime)
                                           - (cpu_before.ru_utime + cpu_before.ru_stime), 2),
             "server_cpu_seconds": round(server_cpu, 2),
             "server_cpu_us_per_delivery": round(server_cpu / len(times) * 1e6) if times else None,
             "seconds": round(span, 2)}
    return {"steady": steady, "burst": burst}


def soak(args, receiver, connection, write, pid, ws):
    pool = args.rate * 120
    per_batch = max(1, args.rate // 100)
    samples = [(0.0, rss_kb(pid))]
    posted = 0
    start = time.time()
    next_sample = start + args.sample
    for tick in paced(args.soak * 100):
        users = [f"soak-{(posted + i) % pool}" for i in range(per_batch)]
        # A new message id each time: the same user pinged again two minutes later.
        batch_id = posted
        post_batch(connection, write, users, suffix=f"-{batch_id}")
        posted += per_batch
        if time.time() >= next_sample:
            samples.append((round(time.time() - start, 1), rss_kb(pid)))
            next_sample += args.sample
    samples.append((round(time.time() - start, 1), rss_kb(pid)))
    values = [kb for _, kb in samples if kb is not None]
    # What the outbox has left to do: a backlog (pending, retrying) shows it did not keep up.
    database = sqlite3.connect(f"file:{os.path.join(ws, 'data', 'strata.db')}?mode=ro", uri=True)
    statuses = dict(database.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall())
    database.close()
    with receiver.lock:
        answered = {"requests": receiver.requests, "answered_503": receiver.failed,
                    "deliveries_received": len(receiver.delivery_ids)}
    return {"soak": {"seconds": args.soak, "entries_per_second": args.rate, "pings": posted, "users": pool,
                     "fail_half": args.fail_half, **answered, "deliveries_by_status": statuses,
                     "rss_mb": {"first": round(values[0] / 1024, 1), "half": round(values[len(values) // 2] / 1024, 1),
                                "last": round(values[-1] / 1024, 1), "max": round(max(values) / 1024, 1)},
                     "samples": [[t, round(kb / 1024, 1)] for t, kb in samples if kb is not None]}}


def paced(ticks):
    """Yields 0 ..< ticks, each 10 ms after the one before (sleeping until its instant)."""
    start = time.time()
    for tick in range(ticks):
        pause = start + tick / 100 - time.time()
        if pause > 0:
            time.sleep(pause)
        yield tick


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("work")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--burst", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=0, help="seconds of entries at RATE before the steady run")
    parser.add_argument("--soak", type=int, default=0, help="seconds of the memory soak instead of the latency runs")
    parser.add_argument("--fail-half", action="store_true", help="the receiver answers every other request 503")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples in the soak")
    parser.add_argument("--no-activation", action="store_true",
                        help="define no activation (a soak's memory without the outbox's work, for comparison)")
    parser.add_argument("--server-log", help="append the server's output to this file (LOG_LEVEL=debug in the "
                        "environment gives a line per step of the engine and per round of the outbox)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    receiver = Receiver(fail_half=args.fail_half)
    ws = prepare(args.strata, args.work, args.users, receiver.port, window="1m" if args.soak else "1d",
                 activation=not args.no_activation)
    write = key(args.strata, ws, "write")
    port = free_port()
    log = open(args.server_log, "a") if args.server_log else subprocess.DEVNULL
    server = subprocess.Popen([args.strata, "serve", "-w", ws, "--port", str(port)], stdout=log, stderr=log)
    try:
        wait_ready(port, server)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if args.soak:
            result = soak(args, receiver, connection, write, server.pid, ws)
        else:
            result = steady_and_burst(args, receiver, connection, write, server.pid)
        print(json.dumps({"users": args.users, **result}, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
