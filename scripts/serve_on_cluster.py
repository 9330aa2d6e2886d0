"""`strata serve` over a workspace with `store: clickhouse` on the 2-shard cluster of
scripts/clickhouse_cluster.sh: what scripts/clickhouse_shipping_check.py and
scripts/clickhouse_cadence_check.py share (the cluster, the workspace, its keys, the server and its
requests, and the count of checks)."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True
from clickhouse_check import use_clickhouse  # noqa: E402  (beside this script)

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "scripts" / "clickhouse_cluster.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url: str, headers: dict, method: str = "GET", body=None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, method=method, headers=headers, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(condition, seconds: float = 60):
    """The first true value of `condition()`, asked every 0.2 s, or its last value after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


class Checks:
    """Counts checks, printing `ok` or `FAIL` and the message of each."""

    def __init__(self) -> None:
        self.passed = self.failed = 0

    def __call__(self, condition: bool, message: str) -> None:
        if condition:
            self.passed += 1
            print(f"ok  {message}")
        else:
            self.failed += 1
            print(f"FAIL {message}")


class ServeOnCluster:
    """The cluster started in WORK/cluster, a workspace in WORK/workspace with `store: clickhouse` on it
    (database `database`, shipping every second), a write and an admin key, and `strata serve` on a
    free port, its log in WORK/serve.log; `prefix` goes before the command (a wrapper) and `environment`
    is the server's."""

    def __init__(self, strata: str, work: Path, database: str, segments: dict[str, str] | None = None,
                 prefix: list[str] | None = None, environment: dict | None = None) -> None:
        self.strata, self.work = strata, work
        work.mkdir(parents=True, exist_ok=True)
        self.cluster = work / "cluster"
        shutil.rmtree(self.cluster, ignore_errors=True)
        self.urls = subprocess.run([str(CLUSTER), "start", str(self.cluster)], check=True, capture_output=True,
                                   text=True).stdout.split()
        self.workspace = work / "workspace"
        shutil.rmtree(self.workspace, ignore_errors=True)
        subprocess.run([strata, "init", str(self.workspace)], check=True, stdout=subprocess.DEVNULL)
        use_clickhouse(self.workspace, f"  url: {self.urls[0]}\n  cluster: strata2\n"
                                       f"  nodes: [{', '.join(self.urls)}]\n"
                                       f"  database: {database}\n  ship_interval_seconds: 1\n")
        for name, text in (segments or {}).items():
            (self.workspace / "segments" / f"{name}.yaml").write_text(text)
        self.write = {"Authorization": "Basic " + base64.b64encode(f"{self._key('write')}:".encode()).decode(),
                      "Content-Type": "application/json"}
        self.admin = {"Authorization": f"Bearer {self._key('admin')}"}
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = work / "serve.log"
        self.log = open(self.log_path, "w+")
        self._command = (prefix or []) + [strata, "serve", "-w", str(self.workspace), "--port", str(port)]
        self._environment = environment
        self.server = self._start()
        self.check = Checks()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=self.log, text=True,
                                env=self._environment)

    def restart(self) -> bool:
        """Stops the server (SIGTERM) and starts it again on the same port, its log appended to the same
        file; whether the first one stopped within 60 s."""
        self.server.send_signal(signal.SIGTERM)
        try:
            stopped = self.server.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()
            stopped = False
        self.server = self._start()
        return stopped

    def _key(self, kind: str) -> str:
        return subprocess.run([self.strata, "keys", "create", "--kind", kind, "-w", str(self.workspace)],
                              check=True, capture_output=True, text=True).stdout.strip()

    def ready(self) -> dict:
        try:
            status, body = request(f"{self.base}/ready", {})
        except OSError:  # not listening yet
            return {}
        return json.loads(body) if status == 200 else {}

    def send(self, batch: list[dict]) -> bool:
        """Sends messages 100 a request; whether every request stored all of its own."""
        parts = [batch[i:i + 100] for i in range(0, len(batch), 100)]
        answers = [request(f"{self.base}/v1/batch", self.write, "POST", {"batch": part}) for part in parts]
        return all(status == 200 and json.loads(body)["stored"] == len(part)
                   for part, (status, body) in zip(parts, answers))

    def shard(self, action: str, number: int) -> None:
        """Stops (`stop`) or starts (`start`) a shard of the cluster."""
        subprocess.run([str(CLUSTER), f"{action}-shard", str(self.cluster), str(number)], check=True)

    def log_lines(self, text: str) -> list[str]:
        return [line for line in self.log_path.read_text().splitlines() if text in line]

    def finish(self) -> int:
        """Stops the server (SIGTERM) and the cluster, prints the end of the log after a failure and the
        counts; the exit status."""
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.server.kill()
        subprocess.run([str(CLUSTER), "stop", str(self.cluster)], check=False)
        self.log.close()
        if self.check.failed:
            print(self.log_path.read_text()[-3000:])
        print(f"{self.check.passed} passed, {self.check.failed} failed")
        return 1 if self.check.failed else 0
