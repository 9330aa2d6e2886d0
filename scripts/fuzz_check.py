"""Fuzzes a live `strata serve`: more than 10,000 hostile requests across every route of
docs/openapi.yaml (mutated JSON bodies, wrong types, huge and deeply nested values, invalid UTF-8,
broken compression and chunking, unknown methods, random paths and query strings, good, wrong and
missing keys), with good tracking messages of known ids between them. No answer may be a 5xx, the
server must still run at the end, and every good message it acknowledged must be stored.
A fixed seed makes every run send the same requests.

Usage: fuzz_check.py STRATA_BINARY WORK_DIR
"""

import base64
import gzip
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import zlib

import yaml

from live_server import LiveServer, check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20260701
REQUESTS = 10_500
THREADS = 3
GOOD_EVERY = 10  # a good message after every this many fuzzed requests, on each thread

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO", "get"]
TYPES = ["track", "identify", "page", "screen", "group", "alias", "Track", "", "nope"]
# Values of every JSON type, with the awkward ones: empty, huge, control characters, lone surrogates.
ODD_VALUES = [None, True, False, 0, -1, 1e308, -0.0, 2 ** 64, "", " ", "\n", "\u0000", "\ud800",
              "=HYPERLINK(\"x\")", "a" * 40_000, "é" * 300, [], [1, [2, [3]]], {}, {"a": {"b": None}},
              "2026-07-01T10:00:00Z", "not a date", "../../etc/passwd", "%00", "\r\nX-Injected: 1"]


def routes():
    """Every operation of the document: (method, path template)."""
    with open(os.path.join(ROOT, "docs", "openapi.yaml")) as f:
        document = yaml.safe_load(f)
    return [(method.upper(), path) for path, item in document["paths"].items()
            for method in item if method in ("get", "post", "put", "delete", "options")]


class Fuzzer:
    """Builds one hostile request at a time from a seeded random source."""

    def __init__(self, rng, keys, operations):
        self.rng = rng
        self.keys = keys
        self.operations = operations

    def value(self, depth=0):
        r = self.rng
        choice = r.random()
        if choice < 0.4 or depth > 3:
            return r.choice(ODD_VALUES)
        if choice < 0.7:
            return {self.word(): self.value(depth + 1) for _ in range(r.randint(0, 4))}
        return [self.value(depth + 1) for _ in range(r.randint(0, 4))]

    def word(self):
        r = self.rng
        return r.choice(["userId", "anonymousId", "event", "type", "messageId", "groupId", "previousId",
                         "traits", "properties", "timestamp", "sentAt", "context", "batch", "writeKey",
                         "distinct_id", "uuid", "api_key", "where", "title", "refresh", "of",
                         "".join(r.choice("abc$_\u00e9\u0000") for _ in range(r.randint(0, 6)))])

    def message(self):
        r = self.rng
        message = {"type": r.choice(TYPES), "userId": f"fz-{r.randint(0, 50)}",
                   "event": "Fuzzed", "messageId": f"fz-{r.getrandbits(40)}",
                   "properties": {"n": r.randint(0, 9)}, "previousId": "fz-prev", "groupId": "fz-acme"}
        for _ in range(r.randint(0, 4)):
            action = r.random()
            key = r.choice(list(message) + [self.word()])
            if action < 0.4:
                message.pop(key, None)
            else:
                message[key] = self.value()
        return message

    def nested(self):
        depth = self.rng.choice([100, 1_000, 100_000])
        opener, closer = self.rng.choice([("[", "]"), ('{"a":', "}")])
        return (opener * depth + "1" + closer * depth).encode()

    def body(self, path):
        """A body for a path: a mutated document of the kind it takes, or something else entirely."""
        r = self.rng
        kind = r.random()
        if kind < 0.08:
            return self.nested()
        if kind < 0.14:
            return bytes(r.getrandbits(8) for _ in range(r.randint(0, 300)))
        if kind < 0.18:
            return b'{"batch": [' + b",".join(b"{}" for _ in range(r.choice([10, 5_000, 60_000]))) + b"]}"
        if kind < 0.22:
            return json.dumps(self.message()).encode()[: r.randint(0, 60)]  # cut short
        if kind < 0.26:
            return b'{"userId": "\xff\xfe", "type": "track", "event": "\xc3"}'
        if path.startswith("/api/v1/segments"):
            document = {"where": r.choice(['trait.plan = "pro"', "count(", "", "x" * 300]),
                        "refresh": r.choice(["realtime", "1h", "weekly", 3])}
            document.update({self.word(): self.value() for _ in range(r.randint(0, 2))})
            return json.dumps(document).encode()
        if path in ("/batch/", "/i/v1/analytics/events"):
            events = [{"event": r.choice(["$identify", "$create_alias", "$groupidentify", "$pageview", "x", ""]),
                       "distinct_id": self.value() if r.random() < 0.3 else f"fz-{r.randint(0, 50)}",
                       "uuid": f"fz-{r.getrandbits(40)}", "properties": self.value()}
                      for _ in range(r.randint(0, 5))]
            document = r.choice([{"api_key": self.keys["write"], "batch": events}, {"batch": self.value()},
                                 events, self.value()])
            return json.dumps(document).encode()
        if path == "/v1/batch" or r.random() < 0.2:
            document = {"batch": [self.message() for _ in range(r.randint(0, 8))]}
            if r.random() < 0.3:
                document[self.word()] = self.value()
            return json.dumps(document).encode()
        return json.dumps(self.message()).encode()

    def path(self, template):
        r = self.rng
        fills = ["pro-plan", "fz-1", "1", "0", "%2F", "%00", "%ZZ", "a%20b", "%C3%A9", "%FF", "..", "", "x" * 300,
                 "retention", "sizes", "health", "-1", "99999999999999999999"]
        path = template
        while "{" in path:
            start, end = path.index("{"), path.index("}")
            path = path[:start] + r.choice(fills) + path[end + 1:]
        mutation = r.random()
        if mutation < 0.1:
            path = path.replace("/", "//", 1)
        elif mutation < 0.15:
            path = path + "/" + r.choice(fills)
        elif mutation < 0.2:
            path = "/" + "".join(r.choice("abv1/%.?#~") for _ in range(r.randint(0, 30)))
        return path

    def query(self):
        r = self.rng
        if r.random() < 0.5:
            return ""
        names = ["limit", "cursor", "format", "since", "as_of", "from", "to", "segments", "goal", "return",
                 "steps", "within", "every", "days", "mode", "anchor", "baseline", "compare_day", "source",
                 "after", "segment", "reason", "recent", "status", "activation", "profile", "by"]
        values = ["", "0", "-1", "10001", "false", "csv", "xml", "2026-07-01", "2026-13-45", "1d", "0d",
                  "99999999999w", "pro-plan", "any", "count(", "%", "%FF", "a&b=c", "1,2,,3", "nan", "x" * 2000,
                  # Numbers at and past the bounds of 32- and 64-bit integers and of doubles, as counts,
                  # durations and lists.
                  "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                  "18446744073709551616", "1e308", "1e309", "9223372036854775807d", "106751991167301d",
                  "99999999999999999999h", "1,9223372036854775807", "36501", "36500d"]
        pairs = [f"{r.choice(names)}={r.choice(values)}" for _ in range(r.randint(1, 6))]
        return "?" + "&".join(pairs)

    def headers(self, body):
        r = self.rng
        headers = {}
        key = r.random()
        if key < 0.35:
            headers["Authorization"] = f"Bearer {self.keys['admin']}"
        elif key < 0.7:
            headers["Authorization"] = f"Bearer {self.keys['write']}"
        elif key < 0.78:
            raw = base64.b64encode(f"{self.keys['write']}:".encode()).decode()
            headers["Authorization"] = f"Basic {raw}"
        elif key < 0.84:
            headers["Authorization"] = r.choice(["Bearer ", "Bearer strata_write_nope", "Basic !!!", "Digest x",
                                                 f"Basic {base64.b64encode(self.keys['admin'].encode()).decode()}"])
        headers["Content-Type"] = r.choice(["application/json", "text/plain", "application/yaml",
                                            "application/x-www-form-urlencoded", "image/gif"])
        encoding = r.random()
        if encoding < 0.08:
            headers["Content-Encoding"] = "gzip"
            body = gzip.compress(body)
            if r.random() < 0.5:
                body = body[: r.randint(0, len(body))]
        elif encoding < 0.12:
            headers["Content-Encoding"] = "deflate"
            body = zlib.compress(body)[: None if r.random() < 0.5 else r.randint(0, 20)]
        elif encoding < 0.14:
            headers["Content-Encoding"] = r.choice(["br", "gzip", "x-nope"])
        if r.random() < 0.05:
            headers["Origin"] = r.choice(["https://shop.example", "null", "x" * 500])
        if r.random() < 0.03:
            headers["Last-Event-ID"] = r.choice(["1", "-5", "abc"])
        return headers, body

    def request(self):
        """(method, target, headers, body) of one fuzzed request."""
        r = self.rng
        method, template = r.choice(self.operations)
        if r.random() < 0.15:
            method = r.choice(METHODS)
        path = self.path(template)
        body = self.body(path) if method in ("POST", "PUT", "PATCH") or r.random() < 0.05 else b""
        headers, body = self.headers(body)
        return method, path + self.query(), headers, body

    def broken_http(self):
        """Bytes that are not a valid HTTP/1.1 request, or not a whole one."""
        r = self.rng
        key = self.keys["write"]
        head = f"POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
        good = json.dumps({"userId": "fz-1", "event": "Chunk"}).encode()
        return r.choice([
            head.encode() + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + good + b"\r\n0\r\n\r\n",
            head.encode() + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n",
            head.encode() + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nab\r\n",
            head.encode() + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            head.encode() + b"Content-Length: abc\r\n\r\n",
            b"GET /health HTTP/9.9\r\n\r\n",
            b"CONNECT /v1/track HTTP/1.1\r\nHost: x\r\n\r\n",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(40),
            b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 100_000 + b"\r\n\r\n",
            b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"userId\"",
        ])


class Worker(threading.Thread):
    """Sends its share of fuzzed requests on a kept-alive connection, a good message every
    GOOD_EVERY of them, and records every 5xx and every good message acknowledged."""

    def __init__(self, number, port, keys, operations, count):
        super().__init__()
        self.number = number
        self.port = port
        self.keys = keys
        self.count = count
        self.fuzzer = Fuzzer(random.Random(SEED + number), keys, operations)
        self.connection = None
        self.sent = 0
        self.statuses = {}
        self.errors = []
        self.acknowledged = []
        self.dropped = 0

    def send(self, method, target, headers, body):
        """The status of the answer; None when the connection was closed before one came."""
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
                for name, value in headers.items():
                    self.connection.putheader(name, value)
                self.connection.putheader("Content-Length", str(len(body)))
                self.connection.endheaders(body)
                response = self.connection.getresponse()
                if response.getheader("Content-Type", "").startswith("text/event-stream"):
                    # The change stream does not end: its head is the answer.
                    self.connection.close()
                    self.connection = None
                    return response.status, b""
                text = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response.status, text
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    self.dropped += 1
        return None, b""

    def raw(self, data):
        """Sends bytes on a connection of their own; the status of the answer, if one came."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                answer = s.recv(64)
            except OSError:
                return None
        parts = answer.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    def record(self, status, what):
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status is not None and status >= 500:
            self.errors.append(f"{status} for {what}")

    def good(self, index):
        message_id = f"good-{self.number}-{index}"
        message = {"type": "track", "userId": f"good-user-{index % 40}", "event": "Order Completed",
                   "messageId": message_id, "properties": {"revenue": index}}
        status, text = self.send("POST", "/v1/track",
                                 {"Authorization": f"Bearer {self.keys['write']}",
                                  "Content-Type": "application/json"}, json.dumps(message).encode())
        self.record(status, f"good message {message_id}")
        if status == 200:
            self.acknowledged.append(message_id)
        elif status != 503:
            self.errors.append(f"good message {message_id} answered {status}: {text[:200]!r}")

    def run(self):
        for index in range(self.count):
            if self.fuzzer.rng.random() < 0.02:
                data = self.fuzzer.broken_http()
                self.record(self.raw(data), f"raw bytes {data[:80]!r}")
            else:
                method, target, headers, body = self.fuzzer.request()
                status, text = self.send(method, target, headers, body)
                self.record(status, f"{method} {target[:120]} ({len(body)} bytes): {text[:200]!r}")
            if index % GOOD_EVERY == 0:
                self.good(index)
        if self.connection:
            self.connection.close()


def main():
    strata, work = sys.argv[1], sys.argv[2]
    with LiveServer(strata, work) as server:
        started = time.monotonic()
        workers = [Worker(n, server.port, server.keys, routes(), REQUESTS // THREADS) for n in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        check(server.running(), f"strata serve stopped during the fuzzing (log: {server.log_path})")

    sent = sum(w.sent for w in workers)
    statuses = {}
    for worker in workers:
        for status, count in worker.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    print(f"ok  {sent} requests in {elapsed:.0f} s, by status: "
          + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=lambda item: item[0] or 0)))
    errors = [error for worker in workers for error in worker.errors]
    for error in errors[:20]:
        print(f"     {error}")
    check(not errors, f"{len(errors)} answers were 5xx or refused a good message")
    check(sent >= 10_000, f"only {sent} requests were sent")

    acknowledged = [message_id for worker in workers for message_id in worker.acknowledged]
    out = subprocess.run([strata, "messages", "-w", server.workspace, "--ids-only"], check=True,
                         capture_output=True, text=True).stdout
    stored = set(out.split("\n"))
    missing = [message_id for message_id in acknowledged if message_id not in stored]
    check(len(acknowledged) >= sent // (GOOD_EVERY + 1) - 10,
          f"only {len(acknowledged)} good messages were acknowledged")
    check(not missing, f"{len(missing)} acknowledged good messages are not stored: {missing[:5]}")
    print(f"ok  the server ran throughout and stopped cleanly; all {len(acknowledged)} acknowledged "
          f"good messages are stored")


if __name__ == "__main__":
    main()
