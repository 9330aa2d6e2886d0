"""A `strata serve` on loopback for the end-to-end checks that drive it with generated requests: a new
workspace with one segment, a write key and an admin key, started and ready."""

import http.client
import os
import signal
import socket
import subprocess
import time

SEGMENT = 'title: Pro plan\nwhere: trait.plan = "pro"\n'


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


class LiveServer:
    """Starts on entering (returning itself once /ready answers 200); stops with SIGTERM on leaving and
    checks that the stop was clean."""

    def __init__(self, strata, work):
        self.strata = strata
        os.makedirs(work, exist_ok=True)
        self.workspace = os.path.join(work, "workspace")
        self.log_path = os.path.join(work, "server.log")
        subprocess.run([strata, "init", self.workspace], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.workspace, "segments", "pro-plan.yaml"), "w") as f:
            f.write(SEGMENT)
        self.keys = {kind: self.key(kind) for kind in ("write", "admin")}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def key(self, kind):
        return subprocess.run([self.strata, "keys", "create", "--kind", kind, "-w", self.workspace], check=True,
                              capture_output=True, text=True).stdout.strip()

    def __enter__(self):
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [self.strata, "serve", "-w", self.workspace, "--port", str(self.port)],
                stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(300):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/ready")
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.process.kill()
        raise SystemExit("FAIL: the server did not come up")

    def running(self):
        return self.process.poll() is None

    def __exit__(self, *failure):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        if failure[0] is None:
            check(code == 0, f"strata serve exited with {code} after SIGTERM (log: {self.log_path})")
