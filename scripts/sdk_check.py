"""End-to-end check with real SDK clients: each sends identify, track, page, group and alias to a
live `strata serve` on loopback; the management API must then show the profiles, traits, merged
identities, accounts and segment memberships worked out below.

Usage: sdk_check.py STRATA_BINARY WORK_DIR
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

import analytics as analytics_14
import posthog
import rudderstack.analytics as rudder_analytics
import segment.analytics as segment_analytics

CLIENTS = ["segment", "segment-gzip", "analytics-14", "rudder", "posthog-v0", "posthog-v1"]

SEGMENTS = {
    "buyers": 'title: Buyers\nwhere: count("Order Completed", last 365d) >= 1\n',
    "pro-plan": 'title: Pro plan\nwhere: trait.plan = "pro"\n',
    "big-spenders": 'where: sum("Order Completed", revenue, last 365d) >= 40\n',
}

errors = []


def on_error(*args):
    errors.append(repr(args))


def ids(client):
    return f"{client}-anon", f"{client}-user", f"{client}-acme"


def send_segment_style(client, sdk):
    """identify, track, page, group, alias through a Segment-compatible client object."""
    anon, user, account = ids(client)
    sdk.page(anonymous_id=anon, name="Pricing", properties={"path": "/pricing"})
    sdk.alias(previous_id=anon, user_id=user)
    sdk.identify(user, {"plan": "pro", "email": f"{client}@example.com"})
    sdk.track(user, "Order Completed", {"revenue": 42})
    sdk.group(user, account, {"name": f"{client} Inc"})


def send_posthog(client, sdk):
    """The same story in PostHog's vocabulary."""
    anon, user, account = ids(client)
    sdk.capture("$pageview", distinct_id=anon, properties={"$current_url": "https://example.com/pricing"})
    sdk.alias(previous_id=anon, distinct_id=user)
    sdk.set(distinct_id=user, properties={"plan": "pro", "email": f"{client}@example.com"})
    sdk.capture("Order Completed", distinct_id=user, properties={"revenue": 42})
    sdk.group_identify("company", account, {"name": f"{client} Inc"}, distinct_id=user)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, key, method="GET"):
    req = urllib.request.Request(url, method=method, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def main():
    strata, work = sys.argv[1], sys.argv[2]
    workspace = os.path.join(work, "workspace")
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    for name, text in SEGMENTS.items():
        with open(os.path.join(workspace, "segments", f"{name}.yaml"), "w") as f:
            f.write(text)

    def key(kind):
        out = subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                             capture_output=True, text=True).stdout
        check(out.count("\n") == 1 and out.startswith(f"strata_{kind}_"), f"keys create printed {out!r}")
        return out.strip()

    write_key, admin_key = key("write"), key("admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([strata, "serve", "-w", workspace, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(100):
            try:
                if request(f"{base}/api/v1/health", admin_key)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("FAIL: the server did not come up")

        for client, gzip in [("segment", False), ("segment-gzip", True)]:
            sdk = segment_analytics.Client(write_key, host=base, gzip=gzip, on_error=on_error, max_retries=1)
            send_segment_style(client, sdk)
            sdk.flush()
            sdk.join()

        sdk = analytics_14.Client(write_key, host=base, on_error=on_error, max_retries=1)
        send_segment_style("analytics-14", sdk)
        sdk.flush()
        sdk.join()

        rudder_analytics.write_key = write_key
        rudder_analytics.dataPlaneUrl = base
        rudder_analytics.on_error = on_error
        rudder_analytics.max_retries = 1
        send_segment_style("rudder", rudder_analytics)
        rudder_analytics.flush()
        rudder_analytics.shutdown()

        for client, mode in [("posthog-v0", "v0"), ("posthog-v1", "v1")]:
            sdk = posthog.Posthog(write_key, host=base, capture_mode=mode, on_error=on_error, max_retries=1,
                                  enable_local_evaluation=False)
            send_posthog(client, sdk)
            sdk.flush()
            sdk.shutdown()

        check(not errors, f"clients reported errors: {errors}")

        for client in CLIENTS:
            anon, user, account = ids(client)
            status, body = request(f"{base}/api/v1/profiles/{anon}", admin_key)
            check(status == 200, f"{client}: profile {anon} answered {status}: {body}")
            profile = json.loads(body)
            check(profile["id"] == user, f"{client}: {anon} resolves to {profile['id']}, expected {user}")
            check({i["id"] for i in profile["ids"]} == {anon, user}, f"{client}: linked ids {profile['ids']}")
            traits = {k: v for k, v in profile["traits"].items() if k in ("plan", "email")}
            check(traits == {"plan": "pro", "email": f"{client}@example.com"}, f"{client}: traits {profile['traits']}")
            check(profile["account"] is not None and profile["account"]["id"] == account,
                  f"{client}: account {profile['account']}")
            check(profile["account"]["traits"].get("name") == f"{client} Inc",
                  f"{client}: account traits {profile['account']['traits']}")
            check(profile["eventCounts"] == {"Page Viewed": 1, "Order Completed": 1},
                  f"{client}: event counts {profile['eventCounts']}")
            check(profile["segments"] == ["big-spenders", "buyers", "pro-plan"],
                  f"{client}: segments {profile['segments']}")
            print(f"ok  {client}: {anon} -> {user}, account {account}, segments {', '.join(profile['segments'])}")

        expected = sorted(f"{c}-user" for c in CLIENTS)
        for segment in SEGMENTS:
            status, body = request(f"{base}/api/v1/segments/{segment}/members?limit=1000", admin_key)
            members = json.loads(body)["members"]
            check(members == expected, f"{segment}: members {members}, expected {expected}")
        status, body = request(f"{base}/api/v1/metrics", admin_key)
        check("strata_messages_ingested_total 30" in body.splitlines(),
              "metrics: expected 30 stored messages (5 calls x 6 clients)")
        for route in ["/v1/batch", "/batch", "/i/v1/analytics/events"]:
            prefix = f'strata_http_requests_total{{method="POST",route="{route}",status="200"}} '
            check(any(line.startswith(prefix) for line in body.splitlines()), f"metrics: no 200 answer on {route}")
        print(f"ok  every segment holds the {len(CLIENTS)} users; 30 messages stored")

        listed = subprocess.run([strata, "keys", "list", "-w", workspace], check=True, capture_output=True,
                                text=True).stdout.splitlines()
        check([row.split("\t")[:2] for row in listed[1:]] == [["1", "write"], ["2", "admin"]], f"keys list: {listed}")
        check(write_key not in "\n".join(listed), "keys list shows a whole key")
        subprocess.run([strata, "keys", "revoke", "1", "-w", workspace], check=True, capture_output=True)
        time.sleep(1.2)
        refused = urllib.request.Request(f"{base}/v1/track", method="POST", data=b'{"userId":"u","event":"E"}',
                                         headers={"Authorization": f"Bearer {write_key}"})
        try:
            urllib.request.urlopen(refused, timeout=30)
            raise SystemExit("FAIL: a revoked write key was accepted")
        except urllib.error.HTTPError as error:
            check(error.code == 401, f"a revoked key got {error.code}, expected 401")
        print("ok  keys list shows both keys; a revoked key gets 401")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        log = server.stderr.read()
    check(code == 0, f"strata serve exited with {code} after SIGTERM: {log}")
    check(write_key not in log and admin_key not in log, "the server log shows a key")
    print("ok  strata serve stopped cleanly on SIGTERM")


if __name__ == "__main__":
    main()
