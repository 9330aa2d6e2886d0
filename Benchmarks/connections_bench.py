"""Slow-client benchmark of `strata serve` (not a test: it asserts nothing about time).

Holds CONNECTIONS connections open against a server on loopback for SECONDS, as a slow-client attack
would: a third idle (no byte sent), a third with a request head cut off and one more byte of it each
second, a third with a whole head and a body cut off, one more byte each second. Whenever the server
closes one (it keeps at most `max_connections`, 10,000 by default, and closes the one that has waited
longest for a request to make room; its timeouts close the rest), another takes its place at once.
Meanwhile, twice a second, a keyed track goes out on a new connection, and its time from connecting
to the whole answer is measured. Prints one JSON object: the connections opened in all, the most the
client held at once, the server's open descriptors, its `strata_limited_total` counts, and the
tracks' latencies (p50, p99, max) and statuses.

Usage: connections_bench.py STRATA WORKDIR [--connections N] [--seconds S]
The process raises its own and the server's limit of open files to the hard limit; the client holds at
most that limit less 100 connections.
"""

import argparse
import json
import os
import resource
import selectors
import shutil
import socket
import subprocess
import time
import urllib.request

from activation_bench import key, wait_ready
from live_bench import free_port, percentiles

def raise_file_limit():
    """Raises the limit of open files to the most allowed (the hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Attack:
    """The slow connections: opened without blocking, watched for the server's closing, replaced."""

    def __init__(self, port, count):
        self.port = port
        self.count = count
        self.selector = selectors.DefaultSelector()
        self.opened = 0
        self.closed_by_server = 0
        self.peak = 0

    def open(self, number):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", self.port))
        kind = number % 3
        self.selector.register(s, selectors.EVENT_READ, {"kind": kind, "sent": False})
        self.opened += 1

    def fill(self):
        """Opens connections until COUNT are held, a thousand at most per call."""
        held = len(self.selector.get_map())
        for number in range(min(self.count - held, 1000)):
            self.open(self.opened + number)
        self.peak = max(self.peak, len(self.selector.get_map()))

    def trickle(self):
        """Sends each slow connection its next byte: the first part of its request, then one byte."""
        for key in list(self.selector.get_map().values()):
            state, s = key.data, key.fileobj
            if state["kind"] == 0:
                continue
            try:
                if not state["sent"]:
                    head = b"POST /v1/track HTTP/1.1\r\nHost: x\r\n"
                    if state["kind"] == 2:
                        head += b"Content-Length: 100000\r\n\r\n{"
                    s.send(head)
                    state["sent"] = True
                else:
                    s.send(b"X-Slow: 1\r\n" if state["kind"] == 1 else b" ")
            except OSError:
                pass

    def reap(self):
        """Forgets the connections the server closed (readable with nothing, or an error)."""
        for key, _ in self.selector.select(timeout=0):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                self.selector.unregister(s)
                s.close()
                self.closed_by_server += 1

    def close(self):
        if self.selector.get_map() is None:
            return
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


def keyed_track(port, write, number):
    """Seconds from connecting to the whole answer of one track on a new connection, and its status."""
    body = json.dumps({"type": "track", "userId": f"probe-{number}", "event": "Probe"}).encode()
    request = (f"POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {write}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(request + body)
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
    except OSError:
        return time.perf_counter() - started, None
    parts = answer.split(b" ", 2)
    return time.perf_counter() - started, int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def metrics(port, admin):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/metrics",
                                     headers={"Authorization": f"Bearer {admin}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines
            if line.startswith("strata_limited_total")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("strata")
    parser.add_argument("work")
    parser.add_argument("--connections", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    raise_file_limit()
    args.connections = min(args.connections, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 100)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    ws = os.path.join(args.work, "ws")
    subprocess.run([args.strata, "init", ws], check=True, stdout=subprocess.DEVNULL)
    write, admin = key(args.strata, ws, "write"), key(args.strata, ws, "admin")
    port = free_port()
    server = subprocess.Popen([args.strata, "serve", "-w", ws, "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, preexec_fn=raise_file_limit)
    attack = Attack(port, args.connections)
    try:
        wait_ready(port, server)
        latencies, statuses, descriptors = [], {}, 0
        start = time.time()
        next_probe = start
        number = 0
        while time.time() - start < args.seconds:
            attack.fill()
            attack.reap()
            if time.time() >= next_probe:
                attack.trickle()
                seconds, status = keyed_track(port, write, number)
                latencies.append(seconds)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                descriptors = max(descriptors, len(os.listdir(f"/proc/{server.pid}/fd")))
                number += 1
                next_probe += 0.5
            time.sleep(0.01)
        attack.close()
        time.sleep(1)
        limited = metrics(port, admin)
        print(json.dumps({
            "connections_held": args.connections, "seconds": args.seconds, "opened": attack.opened,
            "closed_by_server": attack.closed_by_server, "most_held_by_client": attack.peak,
            "server_descriptors_max": descriptors, "limited": limited,
            "keyed_track": percentiles(latencies),
            "keyed_track_statuses": statuses}, indent=2))
    finally:
        attack.close()
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
