"""End-to-end check of activations against real HTTP receivers on loopback: a live `strata serve`
turns segment entries into webhook deliveries, file lines, capped alerts and "Audience Entered"
tracks to another `strata serve` as a Segment-compatible peer (each stored once, by message id). The receiver verifies each Standard
Webhooks signature with Python's hmac module, and the expected recipients, control group, holdouts
and variants are recomputed here from the bucket formula of the activation spec, independently of
Strata. Faults: an endpoint answering 503 before 200, one answering 410, one that holds every request
(which must not delay another destination), and the server killed with SIGKILL while deliveries are
in flight (each must arrive, duplicates only with the same id).

Usage: activation_check.py STRATA_BINARY WORK_DIR
"""

import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "whsec_" + base64.b64encode(b"activation-check-key-0123456789").decode()
SALT = "check"
GLOBAL_CONTROL = 1000  # 10% in basis points
HOLDOUT = 2000  # 20%
SLOW_ROLLOUT = 1500  # 15%
ALERTS = 4  # activations alert-1 .. alert-4 (the priority), capped at 2 a day on their channel


def alert_status(profile, priority):
    if in_control(profile):
        return "control"
    return "sent" if priority > ALERTS - 2 else "capped"


def bucket(purpose, scope, profile):
    digest = hashlib.sha256(f"{purpose}\0{scope}\0{profile}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10000


def in_control(profile):
    return bucket("global-control", SALT, profile) < GLOBAL_CONTROL


def welcome_status(profile):
    if in_control(profile):
        return "control"
    if bucket("holdout", "welcome", profile) < HOLDOUT:
        return "held_out"
    return "sent"


def welcome_variant(profile):
    return "short" if bucket("variant", "welcome/0", profile) < 5000 else "long"


def profile_of(body):
    """The profile a webhook body is for: the default body's profile, or the template's `user`."""
    return body["profile"]["id"] if "profile" in body else body["user"]


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


class Receiver:
    """Webhook endpoints on loopback, with signatures verified and every request recorded."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (path, webhook-id, body)
        self.flaky_attempts = {}
        self.crm_gate = threading.Event()
        self.crm_gate.set()
        self.slow_gate = threading.Event()
        self.bad_signatures = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                delivery_id = self.headers.get("webhook-id", "")
                timestamp = self.headers.get("webhook-timestamp", "")
                signed = f"{delivery_id}.{timestamp}.".encode() + body
                key = base64.b64decode(SECRET[len("whsec_"):])
                expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
                if not hmac.compare_digest(expected, self.headers.get("webhook-signature", "")):
                    with receiver.lock:
                        receiver.bad_signatures.append((self.path, delivery_id))
                    self.answer(400)
                    return
                if self.path == "/crm":
                    receiver.crm_gate.wait(120)
                elif self.path == "/slow":
                    receiver.slow_gate.wait(120)
                with receiver.lock:
                    receiver.requests.append((self.path, delivery_id, json.loads(body)))
                    if self.path == "/flaky":
                        attempts = receiver.flaky_attempts.get(delivery_id, 0) + 1
                        receiver.flaky_attempts[delivery_id] = attempts
                if self.path == "/flaky" and attempts <= 2:
                    self.answer(503)
                elif self.path == "/gone":
                    self.answer(410)
                else:
                    self.answer(200)

            def answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self, path):
        with self.lock:
            return [(delivery_id, body) for p, delivery_id, body in self.requests if p == path]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, key, method="GET", data=None):
    req = urllib.request.Request(url, method=method, data=data,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(what, condition, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise SystemExit(f"FAIL: timed out waiting for {what}")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_workspace(strata, workspace, receiver):
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "strata.yaml"), "a") as f:
        f.write(f"messaging:\n  global_control: 10%\n  salt: {SALT}\n"
                "  caps:\n    - {channel: alerts, max: 2, per: 1d}\n")
    write(os.path.join(workspace, "segments", "pinged.yaml"), 'where: did("Ping", last 30d)\n')
    base = f"http://127.0.0.1:{receiver.port}"
    for name, path, extra in [
        ("crm", "/crm", "retries: [0s, 1s, 1s]\n"),
        ("flaky", "/flaky", "retries: [1s, 1s, 1s]\n"),
        ("gone", "/gone", ""),
        ("slow", "/slow", "concurrency: 1\n"),
        ("alerts", "/alerts", "channel: alerts\n"),
    ]:
        write(os.path.join(workspace, "destinations", f"{name}.yaml"),
              f"kind: webhook\nurl: {base}{path}\nsecret: ${{CHECK_WEBHOOK_SECRET}}\ntimeout: 60s\n{extra}")
    write(os.path.join(workspace, "destinations", "audience.yaml"), "kind: file\npath: exports/{{segment}}.jsonl\n")
    # A Segment-compatible tracking API: another strata serve (the peer).
    write(os.path.join(workspace, "destinations", "cdp.yaml"),
          "kind: segment\nurl: ${CHECK_PEER_URL}\nwrite_key: ${CHECK_PEER_WRITE_KEY}\n")
    write(os.path.join(workspace, "activations", "audience-sync.yaml"),
          "segment: pinged\non: enter\nsteps:\n  - destination: cdp\n")
    write(os.path.join(workspace, "templates", "welcome-short.mustache"),
          '{"text": "Welcome {{profile.id}}", "user": "{{profile.id}}", "variant": "{{variant}}", '
          '"delivery": "{{delivery.id}}"}\n')
    write(os.path.join(workspace, "activations", "welcome.yaml"), f"""\
title: Welcome
segment: pinged
on: enter
holdout: 20%
steps:
  - destination: crm
    variants:
      short: {{weight: 50, template: welcome-short}}
      long: {{weight: 50}}
  - destination: audience
""")
    for name in ["flaky", "gone"]:
        write(os.path.join(workspace, "activations", f"{name}-sync.yaml"),
              f"segment: pinged\non: enter\nsteps:\n  - destination: {name}\n")
    # Four activations on one channel capped at 2 a day: the two of highest priority go.
    for priority in range(1, ALERTS + 1):
        write(os.path.join(workspace, "activations", f"alert-{priority}.yaml"),
              f"segment: pinged\non: enter\npriority: {priority}\nsteps:\n  - destination: alerts\n")
    write(os.path.join(workspace, "activations", "slow-sync.yaml"),
          "segment: pinged\non: enter\nrollout: 15%\nsteps:\n  - destination: slow\n")


def start_server(strata, workspace, port, env):
    return subprocess.Popen([strata, "serve", "-w", workspace, "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def ready(base, admin_key):
    """Whether a server answers /ready with 200."""
    try:
        return request(f"{base}/ready", admin_key)[0] == 200
    except OSError:
        return False


def key(strata, workspace, kind):
    """A new API key of a workspace."""
    return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                          capture_output=True, text=True).stdout.strip()


def stop_server(server):
    """Stops a server with SIGTERM if it still runs; returns its log."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return server.stderr.read() if server.stderr else ""


def deliveries(strata, workspace, env):
    out = subprocess.run([strata, "deliveries", "--format", "jsonl", "--limit", "10000", "-w", workspace],
                         check=True, capture_output=True, text=True, env=env).stdout
    return [json.loads(line) for line in out.splitlines()]


def main():
    strata, work = sys.argv[1], sys.argv[2]
    workspace = os.path.join(work, "workspace")
    receiver = Receiver()
    make_workspace(strata, workspace, receiver)
    peer_workspace = os.path.join(work, "peer")
    subprocess.run([strata, "init", peer_workspace], check=True, stdout=subprocess.DEVNULL)
    peer_write, peer_admin = (key(strata, peer_workspace, kind) for kind in ("write", "admin"))
    peer_port = free_port()
    peer_base = f"http://127.0.0.1:{peer_port}"
    env = dict(os.environ, CHECK_WEBHOOK_SECRET=SECRET, CHECK_PEER_URL=peer_base, CHECK_PEER_WRITE_KEY=peer_write)
    checked = subprocess.run([strata, "check", "-w", workspace], capture_output=True, text=True, env=env)
    check(checked.returncode == 0, f"strata check failed: {checked.stdout}{checked.stderr}")
    unset = subprocess.run([strata, "check", "-w", workspace], capture_output=True, text=True,
                           env={k: v for k, v in env.items() if k != "CHECK_WEBHOOK_SECRET"})
    check(unset.returncode == 1 and "destinations/crm.yaml:3:9: error: the environment variable "
          "`CHECK_WEBHOOK_SECRET` that `secret` reads is not set" in unset.stdout,
          f"check without the secret: {unset.stdout}")
    print("ok  strata check: the workspace checks, and names the unset secret with file:line:col")

    write_key, admin_key = key(strata, workspace, "write"), key(strata, workspace, "admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def ping(users):
        """Posts one Ping per user, from 4 threads at once, so entries arrive concurrently."""
        def post(part):
            batch = [{"type": "track", "event": "Ping", "userId": u, "messageId": f"ping-{u}",
                      "properties": {}} for u in part]
            answers.append(request(f"{base}/v1/batch", write_key, "POST", json.dumps({"batch": batch}).encode()))

        answers = []
        threads = [threading.Thread(target=post, args=(users[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        check(all(status == 200 for status, _ in answers), f"batches answered {answers}")

    def up():
        wait_for("the server", lambda: ready(base, admin_key), 60)

    peer = start_server(strata, peer_workspace, peer_port, dict(os.environ))
    wait_for("the peer", lambda: ready(peer_base, peer_admin), 60)
    server = start_server(strata, workspace, port, env)
    try:
        up()
        first = [f"u-{i}" for i in range(40)]
        ping(first)
        expected = {u for u in first if welcome_status(u) == "sent"}
        check(10 < len(expected) < 40, f"the bucket formula sends welcome to {len(expected)} of 40")
        # The slow endpoint holds every request: the others must still be delivered meanwhile.
        wait_for("welcome deliveries to crm", lambda: {profile_of(b) for _, b in receiver.received("/crm")}
                 >= expected)
        crm = receiver.received("/crm")
        check(sorted(profile_of(b) for _, b in crm) == sorted(expected),
              f"crm received {sorted(profile_of(b) for _, b in crm)}, expected {sorted(expected)}")
        check(not receiver.bad_signatures, f"bad signatures: {receiver.bad_signatures}")
        for delivery_id, body in crm:
            profile = profile_of(body)
            if "text" in body:  # the template body of the short variant
                check(body["variant"] == "short" == welcome_variant(profile) and body["delivery"] == delivery_id
                      and body["text"] == f"Welcome {profile}", f"template body {body}")
                continue
            check(body["id"] == delivery_id and body["type"] == "segment.entered" and body["segment"] == "pinged"
                  and body["activation"] == "welcome" and body["step"] == 0 and body["attempt"] == 1
                  and body["cause"] == "message", f"default body {body}")
            check(body["variant"] == welcome_variant(profile) == "long", f"{profile}: variant {body['variant']}")
        shorts = sum(1 for _, b in crm if "text" in b)
        check(shorts == sum(1 for u in expected if welcome_variant(u) == "short"),
              f"{shorts} template bodies, expected the short variant's profiles")
        print(f"ok  crm: {len(expected)} signed deliveries, exactly the profiles outside control and holdout; "
              f"variants as the bucket formula assigns them ({shorts} short)")

        non_control = {u for u in first if not in_control(u)}
        wait_for("flaky deliveries after two 503s",
                 lambda: sum(1 for n in receiver.flaky_attempts.values() if n >= 3) == len(non_control))
        check(len(receiver.flaky_attempts) == len(non_control), "flaky: one delivery id per profile")
        print(f"ok  flaky: {len(non_control)} deliveries sent on the third attempt after two 503s each")

        slow_expected = {u for u in non_control if bucket("rollout", "slow-sync", u) < SLOW_ROLLOUT}
        check(receiver.received("/slow") == [], "the held slow endpoint answered")
        receiver.slow_gate.set()
        wait_for("slow deliveries", lambda: len(receiver.received("/slow")) == len(slow_expected))
        check({b["profile"]["id"] for _, b in receiver.received("/slow")} == slow_expected, "slow recipients")
        print(f"ok  slow: its {len(slow_expected)} deliveries waited while crm and flaky went out")

        def settled():
            rows = deliveries(strata, workspace, env)
            return rows and all(r["status"] not in ("pending", "sending", "retrying", "held") for r in rows)

        wait_for("every delivery to settle", settled)
        rows = deliveries(strata, workspace, env)
        by = {(r["activation"], r["step"], r["profile"]): r for r in rows}
        steps = 6 + ALERTS
        check(len(rows) == 40 * steps, f"{len(rows)} delivery records, expected {40 * steps} (40 profiles x {steps})")
        for u in first:
            check(by[("welcome", 0, u)]["status"] == welcome_status(u), f"welcome {u}: {by[('welcome', 0, u)]}")
            check(by[("welcome", 1, u)]["status"] == welcome_status(u), f"welcome file {u}")
            gone = by[("gone-sync", 0, u)]
            check(gone["status"] == ("control" if in_control(u) else "failed"), f"gone {u}: {gone}")
            slow = by[("slow-sync", 0, u)]["status"]
            want = "control" if in_control(u) else "sent" if u in slow_expected else "rollout"
            check(slow == want, f"slow {u}: {slow}, expected {want}")
            for priority in range(1, ALERTS + 1):
                alert = by[(f"alert-{priority}", 0, u)]["status"]
                check(alert == alert_status(u, priority), f"alert-{priority} {u}: {alert}")
        alerts = sorted((b["profile"]["id"], b["activation"]) for _, b in receiver.received("/alerts"))
        check(alerts == sorted((u, f"alert-{p}") for u in non_control for p in range(ALERTS - 1, ALERTS + 1)),
              f"alerts received {alerts}")
        with open(os.path.join(workspace, "exports", "pinged.jsonl")) as f:
            lines = [json.loads(line) for line in f]
        check(sorted(line["profile"]["id"] for line in lines) == sorted(expected), "audience file lines")
        check(all(line["step"] == 1 and line["activation"] == "welcome" for line in lines), "file line fields")
        def peer_events(user):
            status, body = request(f"{peer_base}/api/v1/profiles/{user}?recent=5", peer_admin)
            return json.loads(body)["recentEvents"] if status == 200 else []

        for u in first:
            events = peer_events(u)
            if in_control(u):
                check(events == [], f"the peer got audience events of {u}, in the control group")
            else:
                check([(e["event"], e["properties"]["audience"], e["properties"]["activation"]) for e in events]
                      == [("Audience Entered", "pinged", "audience-sync")], f"the peer's events of {u}: {events}")
        print(f"ok  segment destination: another strata serve stored one \"Audience Entered\" per profile "
              f"outside control ({len(non_control)})")
        print("ok  every delivery record matches the formula: control, held_out, rollout, sent, failed (410), "
              f"capped (the 2 highest priorities of {ALERTS} sent per profile under a cap of 2 a day, entries posted "
              f"from 4 threads); the file destination holds {len(lines)} lines")

        # A 410 turned the gone destination off: new entries fail without a request.
        gone_requests = len(receiver.received("/gone"))
        receiver.crm_gate.clear()
        second = [f"u-{i}" for i in range(40, 60)]
        ping(second)
        second_expected = {u for u in second if welcome_status(u) == "sent"}
        wait_for("crm requests in flight", lambda: len(receiver.flaky_attempts) > len(non_control))
        time.sleep(0.5)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        print("ok  strata serve killed with SIGKILL while crm requests were held")
        receiver.crm_gate.set()
        server = start_server(strata, workspace, port, env)
        up()
        wanted = expected | second_expected
        wait_for("every crm delivery after the restart",
                 lambda: {profile_of(b) for _, b in receiver.received("/crm")} >= wanted, 90)
        ids = {}
        for delivery_id, body in receiver.received("/crm"):
            ids.setdefault(delivery_id, []).append(body)
        check(len(ids) == len(wanted), f"{len(ids)} distinct crm delivery ids, expected {len(wanted)}")
        for delivery_id, bodies in ids.items():
            check(len({profile_of(b) for b in bodies}) == 1, f"delivery {delivery_id} arrived with different profiles")
        duplicates = sum(len(b) - 1 for b in ids.values())
        wait_for("the second wave to settle", settled)
        rows = deliveries(strata, workspace, env)
        for u in second:
            gone = [r for r in rows if r["activation"] == "gone-sync" and r["profile"] == u][0]
            if not in_control(u):
                check(gone["status"] == "failed" and "turned off" in gone["last_error"], f"gone {u}: {gone}")
        check(len(receiver.received("/gone")) == gone_requests, "the turned-off destination got requests")
        for u in second:
            if not in_control(u):
                wait_for(f"{u}'s audience event at the peer", lambda: len(peer_events(u)) == 1)
        check(all(len(peer_events(u)) == (0 if in_control(u) else 1) for u in first + second),
              "the peer holds one audience event per profile outside control")
        print(f"ok  after SIGKILL and a restart every crm delivery arrived ({len(ids)} ids, {duplicates} repeated "
              "with their own id); the 410 destination was not called again")

        status, body = request(f"{base}/api/v1/activations", admin_key)
        check(status == 200, f"activations answered {status}")
        listed = {a["name"]: a for a in json.loads(body)["activations"]}
        check(sorted(listed) == [f"alert-{p}" for p in range(1, ALERTS + 1)]
              + ["audience-sync", "flaky-sync", "gone-sync", "slow-sync", "welcome"], f"activations {sorted(listed)}")
        check(listed["welcome"]["holdout"] == "20%" and listed["slow-sync"]["rollout"] == "15%", "activation fields")
        dead = [r for r in rows if r["status"] == "failed"][0]
        status, body = request(f"{base}/api/v1/deliveries/{dead['id']}/retry", admin_key, "POST", b"")
        check(status == 200 and json.loads(body)["status"] == "retrying", f"retry answered {status}: {body}")
        status, body = request(f"{base}/api/v1/deliveries?status=sent&activation=welcome&limit=1000", admin_key)
        sent = json.loads(body)["deliveries"]
        check(len(sent) == 2 * len(wanted), f"{len(sent)} sent welcome deliveries, expected {2 * len(wanted)}")
        print("ok  the API lists the activations and deliveries, and retries a failed one")
    finally:
        log = stop_server(server)
        stop_server(peer)
    check(SECRET not in log and SECRET[6:] not in log, "the server log shows the webhook secret")
    print("ok  strata serve stopped; its log never shows the secret")


if __name__ == "__main__":
    main()
