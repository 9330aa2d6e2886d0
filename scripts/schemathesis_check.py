"""docs/openapi.yaml against a live `strata serve`, with schemathesis and every check on: valid requests
are accepted, invalid ones refused, every answer's status, headers and body are documented, no 5xx.
Runs twice: with an admin key over every operation, and with a write key over the ingestion
operations. A fixed seed and a bounded number of examples keep the run the same from one time to the
next. Settings that apply to particular operations are in schemathesis.toml at the repository's root.

Usage: schemathesis_check.py STRATA_BINARY WORK_DIR
"""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

from live_server import LiveServer, check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "docs", "openapi.yaml")
SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")
SEED = 32
MAX_EXAMPLES = 25
INGESTION = r"^/(v1/|batch/|i/v1/)"

MESSAGES = (
    b'{"batch": ['
    b'{"type": "identify", "userId": "ada", "traits": {"plan": "pro"}, "messageId": "seed-1"},'
    b'{"type": "track", "userId": "ada", "event": "Order Completed", "messageId": "seed-2"}]}'
)


def request(url, key, body):
    req = urllib.request.Request(url, data=body, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def schemathesis(base, key, work, name, *filters):
    """Runs schemathesis with the key; returns the failures it reports (0 when it passes)."""
    command = [
        SCHEMATHESIS, "--no-color", "--config-file", os.path.join(ROOT, "schemathesis.toml"), "run", SCHEMA,
        "--url", base, "-H", f"Authorization: Bearer {key}",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1",
        "--report", "junit", "--report-junit-path", os.path.join(work, f"{name}.xml"), *filters,
    ]
    result = subprocess.run(command, capture_output=True, text=True, cwd=work)  # its cache goes there too
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
    with LiveServer(strata, work) as server:
        status, body = request(f"{server.base}/v1/batch", server.keys["write"], MESSAGES)
        check(status == 200, f"the seed messages were answered {status}: {body}")
        failures = schemathesis(server.base, server.keys["admin"], work, "admin")
        # No ingestion route answers with anything a later request reads, so the stateful phase has
        # nothing to follow there: the links it infers only move ids between unrelated messages.
        failures += schemathesis(server.base, server.keys["write"], work, "write", "--include-path-regex", INGESTION,
                                 "--phases", "examples,coverage,fuzzing")
        check(server.running(), "strata serve stopped during the run")
    check(failures == 0, f"schemathesis found {failures} failures")
    print("ok  docs/openapi.yaml and strata serve agree")


if __name__ == "__main__":
    main()
