"""End-to-end check of erasure: a profile deleted through the API of a live `strata serve` is gone from
its segments and profile routes, later messages for its ids are refused, and it stays gone after the
server is killed and started again; one deleted with `strata profiles delete` while the server is
stopped stays gone when it starts.

Usage: privacy_check.py STRATA_BINARY WORK_DIR
"""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

BUYERS = 'title: Buyers\nwhere: count("Order Completed", last 365d) >= 1\n'

# Ada browses as dev-1, identifies, and buys; Bob buys.
HISTORY = [
    {"type": "track", "anonymousId": "dev-1", "event": "Product Viewed", "messageId": "h1"},
    {"type": "identify", "userId": "ada", "anonymousId": "dev-1", "traits": {"plan": "pro"}, "messageId": "h2"},
    {"type": "track", "userId": "ada", "event": "Order Completed", "messageId": "h3"},
    {"type": "track", "userId": "bob", "event": "Order Completed", "messageId": "h4"},
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, headers, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read().decode() or "null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


class Server:
    def __init__(self, strata, workspace, admin_key):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.admin = {"Authorization": f"Bearer {admin_key}"}
        self.process = subprocess.Popen([strata, "serve", "-w", workspace, "--port", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(300):
            try:
                if request(f"{self.base}/ready", {})[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.process.kill()
        raise SystemExit(f"FAIL: the server did not become ready: {self.process.stderr.read()}")

    def get(self, path):
        return request(self.base + path, self.admin)

    def members(self):
        status, body = self.get("/api/v1/segments/buyers/members")
        check(status == 200, f"members answered {status}: {body}")
        return body["members"]


def main():
    strata, work = sys.argv[1], sys.argv[2]
    workspace = os.path.join(work, "workspace")
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "segments", "buyers.yaml"), "w") as f:
        f.write(BUYERS)

    def key(kind):
        return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                              capture_output=True, text=True).stdout.strip()

    write_key, admin_key = key("write"), key("admin")
    write = {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode(),
             "Content-Type": "application/json"}

    server = Server(strata, workspace, admin_key)
    try:
        status, body = request(f"{server.base}/v1/batch", write, "POST", {"batch": HISTORY})
        check(status == 200 and body["stored"] == 4, f"the history was answered {status}: {body}")
        check(server.members() == ["ada", "bob"], f"buyers before the erasure: {server.members()}")

        status, body = request(f"{server.base}/api/v1/profiles/dev-1", server.admin, "DELETE")
        check(status == 200, f"DELETE answered {status}: {body}")
        expected = {"profile": "ada", "ids": ["ada", "dev-1"],
                    "removed": {"messages": 3, "links": 1, "changes": 1, "memberships": 1, "deliveries": 0,
                                "unsubscribes": 0, "quarantined": 0}}
        check(body == expected, f"the erasure report is {body}, expected {expected}")
        check(server.members() == ["bob"], f"buyers after the erasure: {server.members()}")
        for profile in ["ada", "dev-1"]:
            check(server.get(f"/api/v1/profiles/{profile}")[0] == 404, f"profile {profile} is still served")
        status, body = request(f"{server.base}/api/v1/profiles/ada", server.admin, "DELETE")
        check(status == 404 and body["error"]["message"] == "no profile with id `ada`",
              f"a second DELETE answered {status}: {body}")

        later = {"batch": [{"type": "track", "userId": "ada", "event": "Order Completed", "messageId": "l1"},
                           {"type": "track", "anonymousId": "dev-1", "event": "Viewed", "messageId": "l2"}]}
        status, body = request(f"{server.base}/v1/batch", write, "POST", later)
        check(status == 400 and body["stored"] == 0, f"later messages were answered {status}: {body}")
        check([(f["index"], f["reason"]) for f in body["failed"]] == [(0, "erased"), (1, "erased")],
              f"later messages were refused with {body['failed']}")
        print("ok  DELETE /api/v1/profiles/{id} erased the profile; later messages are refused")
    finally:
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=30)

    server = Server(strata, workspace, admin_key)
    try:
        check(server.members() == ["bob"], f"buyers after a kill and a restart: {server.members()}")
        check(server.get("/api/v1/profiles/ada")[0] == 404, "ada is back after a restart")
        status, body = server.get("/api/v1/health")
        check(body["messages"] == 1, f"the store holds {body['messages']} messages, expected Bob's one")
        print("ok  the erased profile stays gone after kill -9 and a restart")
    finally:
        server.process.send_signal(signal.SIGTERM)
        check(server.process.wait(timeout=30) == 0, "strata serve did not stop cleanly on SIGTERM")

    # With the server stopped, the command line erases Bob; the snapshot must not bring him back.
    out = subprocess.run([strata, "profiles", "delete", "bob", "--format", "json", "-w", workspace],
                         capture_output=True, text=True)
    check(out.returncode == 0, f"strata profiles delete failed: {out.stderr}")
    report = json.loads(out.stdout)
    check(report["ids"] == ["bob"] and report["removed"]["messages"] == 1 and report["removed"]["memberships"] == 1,
          f"strata profiles delete reported {report}")
    unknown = subprocess.run([strata, "profiles", "delete", "bob", "-w", workspace], capture_output=True, text=True)
    check(unknown.returncode != 0 and "no profile with id `bob`" in unknown.stderr,
          f"deleting bob again gave {unknown.returncode}: {unknown.stderr}")
    server = Server(strata, workspace, admin_key)
    try:
        check(server.members() == [], f"buyers after the command-line erasure and a restart: {server.members()}")
        check(server.get("/api/v1/profiles/bob")[0] == 404, "bob is back after a restart")
        print("ok  strata profiles delete with the server stopped: the profile stays gone when it starts")
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)


if __name__ == "__main__":
    main()
