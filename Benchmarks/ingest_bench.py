#!/usr/bin/env python3
"""HTTP ingest throughput of `strata serve`: Segment `/v1/batch` requests at given batch sizes.

Usage: ingest_bench.py STRATA_BINARY WORKDIR [--batch N ...] [--events E] [--no-catalog]
                        [--client wrk|python] [--seconds S] [--connections C] [--wrk-threads T]
                        [--processes P] [--threads T]

Generates a saas dataset once (`strata generate --users 100000 --days 30`, seed 1), then for each
batch size starts `strata serve` on a fresh workspace holding the example catalog (examples/segments,
scores, stages), and sends the dataset's first E messages as `POST /v1/batch` bodies of that size,
each body once:

- with wrk (the default; Debian package `wrk`) through Benchmarks/ingest_wrk.lua: C keep-alive
  connections on T wrk threads for S seconds;
- with Python clients: P processes of T keep-alive connections each, until every body is sent.

Every answer must be 200 (the server answers only after a durable commit). Prints one JSON object
per batch size: events answered, requests, seconds, events/s, request latency percentiles, and the
server's CPU seconds (user + system) over the run per event, read from /proc. With --no-catalog the
workspace holds no definitions, which shows what the live engine costs ingestion.
"""
import argparse
import base64
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_cpu_seconds(pid):
    """User plus system CPU seconds a process has used so far."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(port, auth, bodies, results):
    """Sends pre-built bodies over keep-alive connections, one thread per connection."""
    latencies, failures = [], []

    def run(chunk):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        for body in chunk:
            started = time.perf_counter()
            connection.request("POST", "/v1/batch", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 200:
                failures.append(response.status)
        connection.close()

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, failures))


def send_python(port, auth, bodies, args):
    """Sends every body from P processes of T keep-alive connections; returns the measures."""
    connections = args.processes * args.threads
    chunks = [bodies[i::connections] for i in range(connections)]
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=worker, args=(port, auth, chunks[p * args.threads:(p + 1) * args.threads], results))
        for p in range(args.processes)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    latencies = sorted(latency for part, _ in collected for latency in part)
    failures = [status for _, part in collected for status in part]

    def percentile(p):
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2)

    return {"requests": len(bodies), "connections": connections, "failures": len(failures), "seconds": seconds,
            "latency_ms": {"p50": percentile(0.5), "p99": percentile(0.99)}}


def send_wrk(port, auth, bodies, args):
    """Sends bodies with wrk (Benchmarks/ingest_wrk.lua) for --seconds; returns the measures."""
    path = os.path.join(args.workdir, "bodies.txt")
    with open(path, "wb") as handle:
        handle.write(b"\n".join(bodies) + b"\n")
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{args.seconds}s",
               "--timeout", "60s", "-s", os.path.join(HERE, "ingest_wrk.lua"), f"http://127.0.0.1:{port}", "--",
               path, auth, str(args.wrk_threads)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    if summary["ran_out"]:
        raise SystemExit(f"wrk ran out of bodies within {args.seconds} s: give more --events or fewer --seconds")
    return {"requests": summary["requests"], "connections": args.connections,
            "failures": summary["non_2xx"] + summary["socket_errors"], "seconds": summary["duration_us"] / 1e6,
            "latency_ms": {"p50": round(summary["p50_us"] / 1000, 2), "p99": round(summary["p99_us"] / 1000, 2)}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("workdir")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--no-catalog", action="store_true")
    parser.add_argument("--seconds", type=int, default=5, help="wrk: how long to send")
    parser.add_argument("--connections", type=int, default=64, help="wrk: keep-alive connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--processes", type=int, default=4, help="python: client processes")
    parser.add_argument("--threads", type=int, default=4, help="python: connections per process")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    data = os.path.join(args.workdir, "saas-100000.jsonl")
    if not os.path.exists(data):
        subprocess.run([args.strata, "generate", "--profile", "saas", "--users", "100000", "--days", "30",
                        "--seed", "1", "--out", data], check=True, capture_output=True)
    with open(data, "rb") as handle:
        lines = [line.rstrip(b"\n") for _, line in zip(range(args.events), handle)]

    for batch in args.batch:
        workspace = os.path.join(args.workdir, f"ws-batch-{batch}")
        shutil.rmtree(workspace, ignore_errors=True)
        subprocess.run([args.strata, "init", workspace], check=True, capture_output=True)
        for folder in ("segments", "scores", "stages") if not args.no_catalog else ():
            shutil.rmtree(os.path.join(workspace, folder))
            shutil.copytree(os.path.join(EXAMPLES, folder), os.path.join(workspace, folder))
        key = subprocess.run([args.strata, "keys", "create", "--kind", "write", "-w", workspace],
                             check=True, capture_output=True, text=True).stdout.strip()
        auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        port = free_port()
        server = subprocess.Popen([args.strata, "serve", "-w", workspace, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            bodies = [b'{"batch":[' + b",".join(lines[i:i + batch]) + b"]}" for i in range(0, len(lines), batch)]
            cpu = server_cpu_seconds(server.pid)
            send = send_wrk if args.client == "wrk" else send_python
            result = send(port, auth, bodies, args)
            cpu = server_cpu_seconds(server.pid) - cpu
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        events = min(len(lines), result["requests"] * batch)
        print(json.dumps({
            "client": args.client, "batch": batch, "events": events, "requests": result["requests"],
            "connections": result["connections"], "failures": result["failures"],
            "seconds": round(result["seconds"], 2), "events_per_second": round(events / result["seconds"]),
            "latency_ms": result["latency_ms"], "server_cpu_us_per_event": round(1e6 * cpu / events, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
