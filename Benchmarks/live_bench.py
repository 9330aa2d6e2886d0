"""Real-time membership benchmark of `strata serve` (not a test: it asserts nothing about time).

Sets up (once) a workspace holding every definition of examples/ plus two probe segments, with
`strata generate --profile saas --users USERS --days 90 --end NOW` imported, so that windows move while
the benchmark runs. Then it starts `strata serve` and measures:

- start-up: the server's own figure (`strata_live_start_seconds`), first start and a restart; then
  it waits until the engine holds the clusters it reads back after a start (`warm_seconds`), so that
  what follows measures the steady state, not a message's first read of its cluster;
- peak ingest: /v1/batch requests of 100 new events from WORKERS threads for 10 seconds, then how
  long the live engine takes to have taken them all (`peak_drain_seconds`: a ping sent after the
  peak run enters);
- event to membership change over HTTP while a background ingest runs at half that peak: a probe
  posts one "Bench Ping" for a fresh user every 50 ms and waits for its enter into `bench-pinged`
  on the change stream (`GET /api/v1/changes/stream`): p50, p99, max; apart, the time the POST took
  to be answered (a durable commit), the time from that answer to the enter, the time until the
  server recorded the enter (its `recorded_at`, so the rest is delivery to this process), how many
  changes per second the stream carried meanwhile; and how many
  snapshots of the engine were written meanwhile (one every 100,000 messages: 600 probes at half of
  a peak of 10,000 events/s span about 165,000);
- time-driven lateness: every probe user exits `bench-pinged` 30 s after its ping; the lateness of an
  exit is when the stream delivered it minus its instant (p50, p99, max), together with every other
  time-driven change of the catalog seen meanwhile: all of them due since the start
  (`time_lateness_all`, which includes the peak run, when the engine is behind on purpose), and
  those due once the engine had taken the peak run (`time_lateness_after_peak`);
- incremental cost per event: the server's `strata_live_evaluation_seconds` sum / count.

Two other runs replace the probes and the lateness:

- `--soak SECONDS`: the background at half of the peak (or `--rate`) for SECONDS, with one probe a
  second; every 20 s the server's RSS (VmRSS) and `strata_live_lag_messages`. It reports the RSS at
  5 minutes and its largest value after, the largest lag, event to change per 5 minutes, and every
  request refused or failed. The engine's memory grows with the messages it holds (about 180 bytes
  each) up to `--held-messages` (passed to `strata serve`): set it low enough to be reached within
  the first 5 minutes to see whether anything else grows.
- `--hot N`: N hot profiles (`u-0` to `u-{N-1}`) receiving `--hot-rate` identifies a second between
  them (batches of 50 from 4 threads, each changing a trait), with no other background; after 5 s,
  probes every 50 ms (event to change of other profiles) and a reader of `paying`'s members every
  100 ms (the read's time); then SIGTERM with the hot load still sending, and how long the server
  took to exit.

Prints one JSON object. Usage:
  live_bench.py STRATA WORKDIR [--users N] [--probes N] [--workers N] [--rate EVENTS_PER_SECOND] [--fresh]
                [--probe-log FILE] [--server-log FILE] [--soak SECONDS | --hot N [--hot-rate R]]

With LOG_LEVEL=debug in the environment and --server-log, the server's log holds a line per step of
the engine (messages, evaluation, read and record times, the oldest message's wait), to set beside
the probe log.

The workspace is kept between runs, and each run adds what it ingested to it; --fresh makes it again
from new data ending now, so that runs compare at the same store size.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE_SEGMENT = 'title: Pinged in the last 30 seconds\nwhere: did("Bench Ping", last 30s)\n'


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(values):
    if not values:
        return None
    ordered = sorted(values)

    def at(p):
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    return {"count": len(ordered), "p50_ms": at(0.50), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 2)}


def post(port, key, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as response:
        return response.status


def send(port, key, path, body):
    """`post`, returning the status of an answer that is not 2xx, or the name of a connection error,
    instead of raising."""
    try:
        return post(port, key, path, body)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return type(error).__name__


def metrics(port, admin):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/metrics",
                                 headers={"Authorization": f"Bearer {admin}"})
    values = {}
    with urllib.request.urlopen(req, timeout=60) as response:
        for line in response.read().decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
    return values


def prepare(strata, work, users, fresh):
    """The benchmark workspace: reused from an earlier run (which grew it by what it ingested) unless
    `fresh`, when it is made again from newly generated data ending now."""
    ws = os.path.join(work, f"live-{users}")
    if not fresh and os.path.exists(os.path.join(ws, "strata.yaml")):
        return ws
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run([strata, "init", ws], check=True, stdout=subprocess.DEVNULL)
    for folder in ("segments", "scores", "stages"):
        for name in os.listdir(os.path.join(ROOT, "examples", folder)):
            shutil.copy(os.path.join(ROOT, "examples", folder, name), os.path.join(ws, folder))
    with open(os.path.join(ws, "segments", "bench-pinged.yaml"), "w") as f:
        f.write(PROBE_SEGMENT)
    data = os.path.join(work, f"live-{users}.jsonl")
    subprocess.run([strata, "generate", "--profile", "saas", "--users", str(users), "--days", "90", "--seed", "1",
                    "--end", now_iso(), "--out", data], check=True)
    subprocess.run([strata, "import", data, "-w", ws], check=True)
    return ws


class Serve:
    def __init__(self, strata, ws, admin, log=None, held=None, heavy=None):
        self.port = free_port()
        output = open(log, "a") if log else subprocess.DEVNULL
        bound = ["--held-messages", str(held)] if held is not None else []
        bound += ["--heavy-messages", str(heavy)] if heavy is not None else []
        self.process = subprocess.Popen([strata, "serve", "-w", ws, "--port", str(self.port)] + bound,
                                        stdout=output, stderr=output)
        if log:
            output.close()
        self.admin = admin
        while True:
            try:
                values = metrics(self.port, admin)
                if "strata_live_start_seconds" in values:
                    self.start_seconds = values["strata_live_start_seconds"]
                    self.ready = time.time()
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit("strata serve exited")
            time.sleep(0.2)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=600)


class Stream(threading.Thread):
    """Reads the change stream; keeps (arrival, change) pairs."""

    def __init__(self, port, admin):
        super().__init__(daemon=True)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
        self.connection.request("GET", "/api/v1/changes/stream", headers={"Authorization": f"Bearer {admin}"})
        self.response = self.connection.getresponse()
        self.changes, self.lock = [], threading.Lock()
        self.entered = {}
        self.recorded = {}  # profile -> when the server recorded its enter (its own clock, the same machine's)

    def run(self):
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                arrival = time.time()
                change = json.loads(line[6:])
                with self.lock:
                    self.changes.append((arrival, change))
                    if change["segment"] == "bench-pinged" and change["direction"] == "enter":
                        self.entered[change["profile"]] = arrival
                        self.recorded[change["profile"]] = datetime.fromisoformat(
                            change["recorded_at"].replace("Z", "+00:00")).timestamp()


def feature_used(users):
    """The background's message: "Feature Used" for a random one of the USERS generated users."""
    return lambda rng, message_id: {"type": "track", "userId": f"u-{rng.randrange(users)}", "event": "Feature Used",
                                    "properties": {"feature": "reports"}, "messageId": message_id,
                                    "timestamp": now_iso()}


def hot_identify(hot):
    """The hot profiles' message: an identify of one of `u-0` to `u-{HOT-1}` (generated users with a
    history) changing a trait each time."""
    return lambda rng, message_id: {"type": "identify", "userId": f"u-{rng.randrange(hot)}",
                                    "traits": {"hot_counter": rng.randrange(1_000_000)}, "messageId": message_id,
                                    "timestamp": now_iso()}


class Load:
    """Background ingest: WORKERS threads sending /v1/batch requests of BATCH new messages at a target
    rate (messages/s; 0 for as fast as answered), each made by `make(rng, message_id)`."""

    def __init__(self, port, key, workers, rate, make, batch=100):
        self.port, self.key, self.rate, self.make, self.batch = port, key, rate, make, batch
        self.nonce = time.time_ns()  # every run sends new messages: a re-sent id is a cheap duplicate
        self.stopping, self.sent, self.lock = threading.Event(), 0, threading.Lock()
        self.failures = {}  # status (or the error's name) -> requests
        self.threads = [threading.Thread(target=self.work, args=(i,), daemon=True) for i in range(workers)]
        self.workers = workers

    def work(self, worker):
        rng = random.Random(worker)
        n = 0
        interval = self.batch * self.workers / self.rate if self.rate else 0
        next_at = time.time()
        while not self.stopping.is_set():
            batch = [self.make(rng, f"load-{self.nonce}-{worker}-{n + i}") for i in range(self.batch)]
            n += self.batch
            status = send(self.port, self.key, "/v1/batch", json.dumps({"batch": batch}).encode())
            with self.lock:
                if status == 200:
                    self.sent += self.batch
                else:
                    self.failures[str(status)] = self.failures.get(str(status), 0) + 1
            if interval:
                next_at += interval
                time.sleep(max(0.0, next_at - time.time()))

    def __enter__(self):
        self.started = time.time()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        self.seconds = time.time() - self.started


def ping(port, key, i):
    """Posts one "Bench Ping" for a fresh user; returns the user, when it was first sent and when
    answered. A refusal because the engine lags (429 or 503) is sent again after its Retry-After, as
    the Segment SDKs do; the wait counts in the ping's time."""
    user = f"bench-{time.time_ns()}-{i}"
    message = {"userId": user, "event": "Bench Ping", "messageId": f"probe-{user}", "timestamp": now_iso()}
    sent = time.time()
    while True:
        try:
            post(port, key, "/v1/track", json.dumps(message).encode())
            return user, sent, time.time()
        except urllib.error.HTTPError as error:
            if error.code not in (429, 503) or time.time() > sent + 300:
                raise
            time.sleep(min(5.0, float(error.headers.get("Retry-After") or 1)))


def drain(port, key, stream):
    """Seconds until a ping sent now enters `bench-pinged` (at most 300 s)."""
    user, sent, _ = ping(port, key, "drain")
    deadline = sent + 300
    while time.time() < deadline:
        with stream.lock:
            if user in stream.entered:
                return stream.entered[user] - sent
        time.sleep(0.05)
    raise SystemExit("the live engine did not take a ping within 300 s")


def wait_warm(server, settle=6.0, limit=600.0):
    """Seconds until the engine holds what it reads back after its start: the clusters it will hold
    are read back in the background, and until then a message of a profile not held yet reads its
    cluster from the store. Done when `strata_live_held_messages` has not moved for `settle` seconds
    (at most `limit`)."""
    started = last_change = time.time()
    held = None
    while time.time() - started < limit:
        now_held = metrics(server.port, server.admin).get("strata_live_held_messages")
        if now_held != held:
            held, last_change = now_held, time.time()
        elif time.time() - last_change >= settle:
            return round(last_change - started, 1)
        time.sleep(1.0)
    return round(time.time() - started, 1)


def rss_mb(pid):
    """The resident set of a process, in MB (VmRSS in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        return round(int(f.read().split("VmRSS:")[1].split()[0]) / 1024)


def measure_peak(server, write, stream, workers, users):
    """The peak ingest rate (10 s of batches as fast as answered) and how long the engine takes to
    have taken it all."""
    with Load(server.port, write, workers, 0, feature_used(users)) as peak:
        time.sleep(10)
    # The engine takes the log in order: once a ping sent after the peak run has entered, the
    # engine has taken the whole peak run, and what follows measures a caught-up engine.
    return {"peak_events_per_second": round(peak.sent / peak.seconds),
            "peak_drain_seconds": round(drain(server.port, write, stream), 2)}


def entered(stream, probes):
    """(arrival on the stream, sent, answered) of each probe that entered."""
    with stream.lock:
        return [(stream.entered[user], sent, answered) for user, sent, answered in probes if user in stream.entered]


def wait_entered(stream, probes, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with stream.lock:
            if all(user in stream.entered for user, _, _ in probes):
                return
        time.sleep(0.1)


def probe_run(args, server, write, admin, stream, rate):
    """The default run: probes every 50 ms with a background at `rate`, then time-driven lateness."""
    result = {}
    caught_up = time.time()
    probes = []
    written = 'strata_live_snapshots_total{outcome="written"}'
    snapshots_before = metrics(server.port, admin).get(written, 0)
    with Load(server.port, write, args.workers, rate, feature_used(args.users)) as background:
        for i in range(args.probes):
            probes.append(ping(server.port, write, i))
            time.sleep(0.05)
        wait_entered(stream, probes)
    result["background_events_per_second"] = round(background.sent / background.seconds)
    result["background_failures"] = background.failures
    # The engine writes a snapshot every 100,000 messages: how many fell within the probes.
    values = metrics(server.port, admin)
    result["snapshots_during_probes"] = int(values.get(written, 0) - snapshots_before)
    result["snapshot_write_seconds"] = values.get("strata_live_snapshot_write_seconds")
    arrived = entered(stream, probes)
    with stream.lock:
        recorded = [stream.recorded[user] - sent for user, sent, _ in probes if user in stream.recorded]
        during = [c for arrival, c in stream.changes if probes[0][1] <= arrival <= probes[-1][1]]
    result["event_to_change"] = percentiles([arrival - sent for arrival, sent, _ in arrived])
    result["probe_answered"] = percentiles([answered - sent for _, sent, answered in probes])
    result["answer_to_change"] = percentiles([arrival - answered for arrival, _, answered in arrived])
    # When the server recorded the enter (its clock, in whole ms), and how many changes the stream
    # carried meanwhile: the rest of event_to_change is the delivery to this process.
    result["event_to_recorded"] = percentiles(recorded)
    result["stream_changes_per_second"] = round(len(during) / max(1e-9, probes[-1][1] - probes[0][1]))
    result["event_to_change_missing"] = len(probes) - len(arrived)
    if args.probe_log:
        first = probes[0][1]
        with open(args.probe_log, "w") as log, stream.lock:
            for user, sent, answered in probes:
                arrival, recorded_at = stream.entered.get(user), stream.recorded.get(user)
                log.write(json.dumps({
                    "at_s": round(sent - first, 3), "answered_ms": round((answered - sent) * 1000, 2),
                    "entered_ms": None if arrival is None else round((arrival - sent) * 1000, 2),
                    "recorded_ms": None if recorded_at is None else round((recorded_at - sent) * 1000, 2)})
                    + "\n")

    time.sleep(35)  # every probe exits 30 s after its ping
    with stream.lock:
        changes = list(stream.changes)
    # Changes that fell due while the server was down are recorded at start-up with their true
    # instant; their lateness is the downtime, not the scheduler's: only those due since count.
    due = [(arrival, datetime.fromisoformat(c["instant"].replace("Z", "+00:00")).timestamp())
           for arrival, c in changes if c["cause"] == "time"]
    lateness = [arrival - instant for arrival, instant in due if instant >= server.ready]
    # The peak run overloads the engine on purpose: changes due then wait behind its backlog.
    after_peak = [arrival - instant for arrival, instant in due if instant >= caught_up]
    probe_exits = [arrival - datetime.fromisoformat(c["instant"].replace("Z", "+00:00")).timestamp()
                   for arrival, c in changes if c["cause"] == "time" and c["segment"] == "bench-pinged"]
    result["time_lateness_all"] = percentiles(lateness)
    result["time_lateness_after_peak"] = percentiles(after_peak)
    result["time_lateness_probe_exits"] = percentiles(probe_exits)
    values = metrics(server.port, admin)
    count = values.get("strata_live_evaluation_seconds_count", 0)
    result["evaluated_messages"] = int(count)
    result["evaluation_us_per_message"] = round(values["strata_live_evaluation_seconds_sum"] / count * 1e6, 1)
    return result


def soak_run(args, server, write, admin, stream, rate):
    """The background at `rate` for --soak seconds, a probe a second: the server's RSS and lag every
    20 s, event to change per 5 minutes, and every refused or failed request."""
    samples, probes, probe_failures = [], [], {}
    started = time.time()
    next_sample = started
    with Load(server.port, write, args.workers, rate, feature_used(args.users)) as background:
        while time.time() - started < args.soak:
            try:
                probes.append(ping(server.port, write, len(probes)))
            except (urllib.error.HTTPError, OSError) as error:
                name = str(getattr(error, "code", type(error).__name__))
                probe_failures[name] = probe_failures.get(name, 0) + 1
            if time.time() >= next_sample:
                lag = metrics(server.port, admin).get("strata_live_lag_messages", 0)
                samples.append({"at_s": round(time.time() - started), "rss_mb": rss_mb(server.process.pid),
                                "lag_messages": int(lag)})
                next_sample += 20
            time.sleep(1)
        wait_entered(stream, probes)
    at_five = next(sample["rss_mb"] for sample in samples if sample["at_s"] >= min(300, samples[-1]["at_s"]))
    after_five = [sample["rss_mb"] for sample in samples if sample["at_s"] >= 300] or [at_five]
    arrived = entered(stream, probes)
    windows = {}
    for arrival, sent, _ in arrived:
        windows.setdefault(int((sent - started) // 300), []).append(arrival - sent)
    return {
        "soak_seconds": args.soak,
        "background_events_per_second": round(background.sent / background.seconds),
        "background_failures": background.failures,
        "probe_failures": probe_failures,
        "probes_missing": len(probes) - len(arrived),
        "rss_mb_at_5_minutes": at_five,
        "rss_mb_max_after_5_minutes": max(after_five),
        "rss_growth_after_5_minutes_pct": round((max(after_five) - at_five) / at_five * 100, 1),
        "lag_messages_max": max(sample["lag_messages"] for sample in samples),
        "event_to_change_per_5_minutes": [percentiles(windows[k]) for k in sorted(windows)],
        "samples": samples,
    }


def hot_run(args, server, write, admin, stream):
    """--hot profiles receiving --hot-rate identifies a second between them (batches of 50 from 4
    threads), while probes enter fresh profiles every 50 ms and a reader pages members of `paying`
    every 100 ms; then SIGTERM with the hot load still sending."""
    reads, stopping = [], threading.Event()

    def read_members():
        while not stopping.is_set():
            began = time.time()
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}/api/v1/segments/paying/members?limit=100",
                                             headers={"Authorization": f"Bearer {admin}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
            reads.append(time.time() - began)
            time.sleep(0.1)

    reader = threading.Thread(target=read_members, daemon=True)
    probes = []
    hot = Load(server.port, write, 4, args.hot_rate, hot_identify(args.hot), batch=50)
    with hot:
        time.sleep(5)  # the hot profiles' clusters first take their load
        reader.start()
        for i in range(args.probes):
            probes.append(ping(server.port, write, i))
            time.sleep(0.05)
        wait_entered(stream, probes)
        stopping.set()
        reader.join()
        lag = metrics(server.port, admin).get("strata_live_lag_messages", 0)
        accepted, refused = hot.sent, dict(hot.failures)  # the requests failing once it stops do not count
        began = time.time()
        server.stop()
        stop_seconds = time.time() - began
    arrived = entered(stream, probes)
    return {
        "hot_profiles": args.hot,
        "hot_identifies_per_second": round(accepted / (began - hot.started)),
        "hot_refusals": refused,
        "event_to_change": percentiles([arrival - sent for arrival, sent, _ in arrived]),
        "event_to_change_missing": len(probes) - len(arrived),
        "members_read": percentiles(reads),
        "lag_messages_before_stop": int(lag),
        "sigterm_seconds": round(stop_seconds, 2),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("work")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=400)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, help="background events/s (default: half the measured peak; "
                                                   "given, the peak is not measured)")
    parser.add_argument("--fresh", action="store_true", help="make the workspace again instead of reusing it")
    parser.add_argument("--probe-log", help="write each probe (seconds since the first was sent, then the POST's "
                        "answer, the server's recording of the enter and the enter on the stream, in ms after sending) to "
                        "this file, one JSON line each")
    parser.add_argument("--server-log", help="append the server's output to this file (LOG_LEVEL=debug in the "
                        "environment adds a line per step)")
    parser.add_argument("--soak", type=float, help="instead of the probes: run the background this many seconds, "
                        "sampling the server's RSS and lag")
    parser.add_argument("--hot", type=int, help="instead of the probes: this many hot profiles receiving --hot-rate "
                        "identifies a second, then SIGTERM")
    parser.add_argument("--hot-rate", type=float, default=5000)
    parser.add_argument("--heavy-messages", type=int, help="the server's --heavy-messages (default: none, no "
                        "profile is heavy)")
    parser.add_argument("--held-messages", type=int, help="the server's --held-messages (default: its own); the "
                        "engine's memory grows with the messages it holds until this bound")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ws = prepare(args.strata, args.work, args.users, args.fresh)

    def key(kind):
        return subprocess.run([args.strata, "keys", "create", "--kind", kind, "-w", ws], check=True,
                              capture_output=True, text=True).stdout.strip()

    write, admin = key("write"), key("admin")
    result = {"users": args.users, "workspace": ws}
    server = Serve(args.strata, ws, admin, args.server_log, args.held_messages, args.heavy_messages)
    result["start_seconds"] = server.start_seconds
    result["warm_seconds"] = wait_warm(server)
    stream = Stream(server.port, admin)
    stream.start()
    if args.hot:
        result.update(hot_run(args, server, write, admin, stream))
    else:
        try:
            if args.rate is None:
                result.update(measure_peak(server, write, stream, args.workers, args.users))
                rate = result["peak_events_per_second"] / 2
            else:
                rate = args.rate
            result["background_events_per_second_target"] = round(rate)
            run = soak_run if args.soak else probe_run
            result.update(run(args, server, write, admin, stream, rate))
        finally:
            server.stop()
    restarted = Serve(args.strata, ws, admin, args.server_log, args.held_messages, args.heavy_messages)
    result["restart_seconds"] = restarted.start_seconds
    restarted.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
