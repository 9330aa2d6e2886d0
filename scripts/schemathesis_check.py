"""docs/openapi.yaml against a live `strata serve`, with schemathesis and every check on: valid requests
are accepted, invalid ones refused, every answer's status, headers and body are documented, no 5xx.
Runs twice: with an admin key over every operation, and with a write key over the ingestion
operations. A fixed seed and a bounded number of examples keep the run the same from one time to the
next. Settings that apply to particular operations are in schemathesis.toml at the repository's root.

Usage: schemathesis_check.py STRATA_BINARY WORK_DIR
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "docs", "openapi.yaml")
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
SEED = 32
MAX_EXAMPLES = 25
INGESTION = r"^/(v1/|batch/|i/v1/)"

SEGMENT = 'title: Pro plan\nwhere: trait.plan = "pro"\n'
MESSAGES = (
    b'{"batch": ['
    b'{"type": "identify", "userId": "ada", "traits": {"plan": "pro"}, "messageId": "seed-1"},'
    b'{"type": "track", "userId": "ada", "event": "Order Completed", "messageId": "seed-2"}]}'
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, key, body=None):
    req = urllib.request.Request(url, data=body, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def schemathesis(base, key, work, name, *filters):
    """Runs schemathesis with the key; returns the failures it reports (0 when it passes)."""
    command = [
        SCHEMATHESIS, "--no-color", "--config-file", os.path.join(ROOT, "schemathesis.toml"), "run", SCHEMA,
        "--url", base, "-H", f"Authorization: Bearer {key}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
        "--report", "junit", "--report-junit-path", os.path.join(work, f"{name}.xml"), *filters,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    output = result.stdout + result.stderr
    with open(os.path.join(work, f"{name}.log"), "w") as f:
        f.write(output)
    summary = re.search(r"=+ (\d+) failures?", output)
    failures = int(summary.group(1)) if summary and summary.group(1) else 0
    if result.returncode != 0 and failures == 0:
        print(output[-4000:])
        raise SystemExit(f"FAIL: schemathesis ({name}) exited with {result.returncode}")
    if failures:
        print(output[-20000:])
    print(f"{'ok ' if failures == 0 else 'FAIL'} {name}: {failures} failures")
    return failures


def main():
    strata, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    workspace = os.path.join(work, "workspace")
    subprocess.run([strata, "init", workspace], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(workspace, "segments", "pro-plan.yaml"), "w") as f:
        f.write(SEGMENT)

    def key(kind):
        out = subprocess.run([strata, "keys", "create", "--kind", kind, "-w", workspace], check=True,
                             capture_output=True, text=True).stdout
        return out.strip()

    write_key, admin_key = key("write"), key("admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = os.path.join(work, "server.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([strata, "serve", "-w", workspace, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(300):
            try:
                if request(f"{base}/ready", admin_key)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit("FAIL: the server did not come up")
        status, body = request(f"{base}/v1/batch", write_key, MESSAGES)
        check(status == 200, f"the seed messages were answered {status}: {body}")

        failures = schemathesis(base, admin_key, work, "admin")
        failures += schemathesis(base, write_key, work, "write", "--include-path-regex", INGESTION)
        check(server.poll() is None, "strata serve stopped during the run")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    check(code == 0, f"strata serve exited with {code} after SIGTERM (log: {log_path})")
    check(failures == 0, f"schemathesis found {failures} failures")
    print("ok  docs/openapi.yaml and strata serve agree")


if __name__ == "__main__":
    main()
