"""End-to-end check from a real browser: a page served from one loopback port sends, from headless
Chromium, the calls analytics.js sends to `strata serve` on another port (so every call is
cross-origin): a JSON fetch with the write key in the body (preflighted), a JSON fetch with the key
in an Authorization header (preflighted), text/plain fetches with the key in the body (no
preflight, as analytics.js's default dispatcher sends them) and a `navigator.sendBeacon`. The page
writes what it could read of each answer into its DOM; the script reads the DOM Chromium dumps,
the stored messages (`strata messages`) and the headers of the routes, three times: with every
origin allowed, with `cors_origins` listing the page's origin, and with a list without it.

Usage: browser_check.py STRATA_BINARY WORK_DIR
"""

import html
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

PAGE = """<!doctype html>
<html><head><title>Pricing</title></head>
<body><p id="state">running</p><pre id="results"></pre>
<script>
const api = __API__, writeKey = __WRITE_KEY__, adminKey = __ADMIN_KEY__;
const run = new URLSearchParams(location.search).get("run");
const anonymousId = "anon-" + run, userId = "user-" + run;
const results = {};

// A message as analytics.js builds one: ids, an ISO timestamp, and the page in the context.
function message(type, name, fields) {
  return Object.assign({
    type, anonymousId, messageId: name + "-" + run, timestamp: new Date().toISOString(),
    context: {page: {path: location.pathname, url: location.href, title: document.title},
              userAgent: navigator.userAgent, library: {name: "analytics.js", version: "next"}},
  }, fields);
}

async function send(name, path, headers, body) {
  try {
    const response = await fetch(api + path, {method: "POST", keepalive: true, headers, body: JSON.stringify(body)});
    const answer = await response.json();
    results[name] = {status: response.status, stored: answer.stored ?? null, code: answer.error?.code ?? null};
  } catch (error) {
    results[name] = {error: error.name};
  }
}

async function main() {
  const json = {"Content-Type": "application/json"}, text = {"Content-Type": "text/plain"};
  await send("page", "/v1/p", json, message("page", "page", {name: "Pricing", properties: {plan: "pro"}, writeKey}));
  await send("identify", "/v1/i", Object.assign({Authorization: "Basic " + btoa(writeKey + ":")}, json),
             message("identify", "identify", {userId, traits: {plan: "pro"}}));
  await send("track", "/v1/t", text,
             message("track", "track", {userId, event: "Product Viewed", properties: {sku: "A1"}, writeKey}));
  await send("group", "/v1/g", text, message("group", "group", {userId, groupId: "acme-" + run, writeKey}));
  await send("alias", "/v1/a", text, message("alias", "alias", {userId, previousId: anonymousId, writeKey}));
  await send("wrongKey", "/v1/t", text, message("track", "wrong", {event: "E", writeKey: "strata_write_" + "0".repeat(64)}));
  await send("adminKey", "/v1/t", text, message("track", "admin", {event: "E", writeKey: adminKey}));
  try {
    const response = await fetch(api + "/api/v1/health", {headers: {Authorization: "Bearer " + adminKey}});
    results.management = {status: response.status};
  } catch (error) {
    results.management = {error: error.name};
  }
  const beacon = message("track", "beacon", {userId, event: "Order Completed", properties: {revenue: 42}, writeKey});
  results.beacon = {queued: navigator.sendBeacon(api + "/v1/t", JSON.stringify(beacon)), stored: false};
  // The beacon's answer cannot be read: the page's own server says when the message is stored.
  for (let attempt = 0; attempt < 100 && !results.beacon.stored; attempt++) {
    const answer = await (await fetch("/stored?id=" + encodeURIComponent(beacon.messageId))).json();
    results.beacon.stored = answer.stored;
    if (!answer.stored) await new Promise(resolve => setTimeout(resolve, 100));
  }
  document.getElementById("results").textContent = JSON.stringify(results);
  document.getElementById("state").textContent = "done";
}
main().catch(error => { document.getElementById("state").textContent = "failed: " + error; });
</script></body></html>
"""

# What the page reads of each answer, by run: with every origin allowed or the page's listed, all of
# it; with a list without the page's origin, no answer (a TypeError), and only the calls without a
# preflight reach the server at all.
READABLE = {
    "page": {"status": 200, "stored": 1, "code": None},
    "identify": {"status": 200, "stored": 1, "code": None},
    "track": {"status": 200, "stored": 1, "code": None},
    "group": {"status": 200, "stored": 1, "code": None},
    "alias": {"status": 200, "stored": 1, "code": None},
    "wrongKey": {"status": 401, "stored": None, "code": "unauthorized"},
    "adminKey": {"status": 401, "stored": None, "code": "unauthorized"},
    "management": {"error": "TypeError"},
    "beacon": {"queued": True, "stored": True},
}
BLOCKED = {name: {"error": "TypeError"} for name in READABLE if name != "beacon"} | {
    "beacon": {"queued": True, "stored": True}}
# The message ids each run stores (the `-RUN` suffix added): with the page's origin refused, the
# preflighted calls (JSON, Authorization) are never sent; the others are stored unread.
ALL_IDS = ["page", "identify", "track", "group", "alias", "beacon"]
UNPREFLIGHTED_IDS = ["track", "group", "alias", "beacon"]


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def request(url, method="GET", headers=None):
    """(status, headers, body) of a request, whatever its status."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def stored_ids(strata, workspace):
    out = subprocess.run([strata, "messages", "--ids-only", "-w", workspace], check=True, capture_output=True,
                         text=True).stdout
    return set(out.split())


class PageServer(http.server.ThreadingHTTPServer):
    """The page's origin, on a free loopback port: serves the page and answers whether a message id
    is stored."""

    def __init__(self, strata, workspace):
        self.page, self.strata, self.workspace = "", strata, workspace
        super().__init__(("127.0.0.1", 0), PageHandler)


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/stored":
            message_id = urllib.parse.parse_qs(url.query).get("id", [""])[0]
            body, kind = json.dumps({"stored": message_id in stored_ids(self.server.strata, self.server.workspace)}), \
                "application/json"
        else:
            body, kind = self.server.page, "text/html; charset=utf-8"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class Server:
    """`strata serve` on a free loopback port, its log (stdout and stderr) kept as it comes."""

    def __init__(self, strata, workspace):
        self.process = subprocess.Popen([strata, "serve", "-w", workspace, "--port", "0"], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines = []
        port = None
        for line in self.process.stdout:
            self.lines.append(line)
            listening = re.search(r"listening on http://127\.0\.0\.1:([0-9]+)", line)
            if listening:
                port = int(listening.group(1))
                break
        if port is None:
            self.process.kill()
            raise SystemExit(f"FAIL: the server did not come up: {''.join(self.lines)}")
        self.api = f"http://127.0.0.1:{port}"
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    def stop(self):
        """Stops the server with SIGTERM and returns its log."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.reader.join(timeout=10)
        log = "".join(self.lines)
        check(code == 0, f"strata serve exited with {code} after SIGTERM: {log}")
        return log


def run_page(chromium, page_url, profile):
    """The DOM Chromium leaves once the page's work is done (virtual time waits for its requests)."""
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}",
         "--virtual-time-budget=60000", "--dump-dom", page_url],
        check=True, capture_output=True, text=True, timeout=180).stdout
    state = re.search(r'<p id="state">(.*?)</p>', dom)
    check(state is not None and state.group(1) == "done", f"the page did not finish: {dom[:2000]}")
    results = re.search(r'<pre id="results">(.*?)</pre>', dom, re.S)
    return json.loads(html.unescape(results.group(1)))


def main():
    strata, work = sys.argv[1], sys.argv[2]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    check(chromium is not None, "chromium is not installed (Debian: apt-get install chromium)")
    workspace = os.path.join(work, "workspace")
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    settings = os.path.join(workspace, "strata.yaml")
    with open(settings) as f:
        base_settings = f.read()

    def key(kind):
        return subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                              capture_output=True, text=True).stdout.strip()

    write_key, admin_key = key("write"), key("admin")
    pages = PageServer(strata, workspace)
    origin = f"http://127.0.0.1:{pages.server_address[1]}"
    threading.Thread(target=pages.serve_forever, daemon=True).start()

    runs = [
        ("every-origin", None, READABLE, ALL_IDS, "*"),
        ("listed", [origin], READABLE, ALL_IDS, origin),
        ("unlisted", ["https://shop.example"], BLOCKED, UNPREFLIGHTED_IDS, None),
    ]
    stored_before = set()
    try:
        for run, origins, expected, ids, allow_origin in runs:
            with open(settings, "w") as f:
                f.write(base_settings + (f"cors_origins: {json.dumps(origins)}\n" if origins is not None else ""))
            server = Server(strata, workspace)
            api = server.api
            pages.page = PAGE.replace("__API__", json.dumps(api)).replace("__WRITE_KEY__", json.dumps(write_key)) \
                .replace("__ADMIN_KEY__", json.dumps(admin_key))
            try:
                results = run_page(chromium, f"{origin}/?run={run}", tempfile.mkdtemp(dir=work))

                preflight = {"Origin": origin, "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "authorization,content-type"}
                status, headers, _ = request(f"{api}/v1/t", "OPTIONS", preflight)
                check(status == 204, f"{run}: preflight answered {status}")
                check(headers.get("Access-Control-Allow-Origin") == allow_origin,
                      f"{run}: preflight allows origin {headers.get('Access-Control-Allow-Origin')!r}")
                if allow_origin is not None:
                    check(headers.get("Access-Control-Allow-Methods") == "POST, OPTIONS", f"{run}: methods {headers}")
                    check(headers.get("Access-Control-Allow-Headers") == "Content-Type, Authorization",
                          f"{run}: headers {headers}")
                    check(headers.get("Access-Control-Max-Age") == "86400", f"{run}: max-age {headers}")
                check(headers.get("Vary") == (None if origins is None else "Origin"), f"{run}: Vary {headers}")
                status, headers, _ = request(f"{api}/api/v1/health", headers={
                    "Origin": origin, "Authorization": f"Bearer {admin_key}"})
                check(status == 200 and headers.get("Access-Control-Allow-Origin") is None,
                      f"{run}: the management API answered {status} with CORS headers {headers}")
                status, headers, _ = request(f"{api}/api/v1/health", "OPTIONS", preflight)
                check(status == 405 and headers.get("Access-Control-Allow-Origin") is None,
                      f"{run}: a management preflight answered {status} with {headers}")
            finally:
                log = server.stop()

            check(results == expected, f"{run}: the page read {json.dumps(results)}, expected {json.dumps(expected)}")
            stored = stored_ids(strata, workspace)
            check(stored - stored_before == {f"{name}-{run}" for name in ids},
                  f"{run}: stored {sorted(stored - stored_before)}, expected {ids} of run {run}")
            stored_before = stored
            stop = [line for line in log.splitlines() if line.endswith("[StrataServer] stopped")]
            check(len(stop) == 1 and f"messages.stored={len(ids)}" in stop[0],
                  f"{run}: expected one stop line with messages.stored={len(ids)}: {log}")
            check(write_key not in log and admin_key not in log, f"{run}: the server log shows a key")
            read = ", ".join(sorted(name for name, result in results.items() if "status" in result)) or "no call"
            print(f"ok  {run}: the page read the answers to {read}; stored {', '.join(ids)}")
    finally:
        pages.shutdown()

    out = subprocess.run([strata, "messages", "-w", workspace], check=True, capture_output=True, text=True).stdout
    check(write_key not in out and admin_key not in out and "writeKey" not in out, "a stored message holds a key")
    messages = {m["messageId"]: m for m in map(json.loads, out.splitlines())}
    beacon = messages["beacon-every-origin"]
    check(beacon["type"] == "track" and beacon["event"] == "Order Completed"
          and beacon["properties"] == {"revenue": 42}, f"the beacon was stored as {beacon}")
    check("Chrome" in beacon["context"]["userAgent"], f"the beacon came from {beacon['context']['userAgent']}")
    kinds = {name: messages[f"{name}-every-origin"]["type"] for name in ALL_IDS}
    check(kinds == {"page": "page", "identify": "identify", "track": "track", "group": "group", "alias": "alias",
                    "beacon": "track"}, f"the short routes stored the types {kinds}")
    check(messages["page-every-origin"]["properties"].get("path") == "/",
          f"the page call's properties {messages['page-every-origin']['properties']}")
    print(f"ok  {len(messages)} messages stored from HeadlessChrome, none holding a key")


if __name__ == "__main__":
    main()
