#!/usr/bin/env python3
"""Runs the README's commands in order, as a newcomer would, and compares each one's output with the
output the README shows.

Usage: readme_check.py STRATA_BINARY [WORK_DIR]   (WORK_DIR: made anew; a temporary folder if left out)

What counts as a command and its shown output:
  - Only fenced blocks (between ``` lines) are read. In them, a line starting with "$ " is a command;
    a command ending in "\\" goes on over the next line, and one with a here-document (<<'EOF') goes
    on up to the line EOF.
  - The shown output of a command is every line after it up to the next "$ " line or the end of the
    block. Other lines of a block before its first command are not checked, but for a block that
    starts with "POST ": that is what the webhook receiver got by then (see below).

How the commands run:
  - One after another in bash, in an empty folder, with the binary's folder first on PATH (so
    `strata` is that binary, with its resources beside it) and this Python's folder next (so `python3`
    has pip, as in the .venv of scripts/test). Exported variables carry over to the next command, as
    in one terminal.
  - Standard output is line-buffered (stdbuf -oL) and merged with standard error, so lines come in the
    order a terminal shows them; neither is a terminal, so no progress bar is drawn.
  - A command ending in "&" runs in the background and its output is not compared (it is printed if
    a later command fails). For `strata serve` the check waits until GET /ready answers 200. `kill %N`
    stops the Nth background command still running; all are stopped at the end.
  - So that the check can run beside other servers, the server listens on a free port: `strata serve`
    gets `--port` with it and `localhost:8080` in commands becomes that port. The webhook receiver the
    README's port 9999 stands for is a small HTTP server here that answers 204 on a free port, which
    replaces `:9999` in commands. In the output the two ports are written back as 8080 and 9999.
    What it got is shown as the README shows it: `POST path`, the headers the README's block names,
    the body; each signature is checked against the `whsec_` secret of the README's commands (HMAC-
    SHA256 of id.timestamp.body, as Standard Webhooks define it), then masked, as it signs the time.
  - While a server runs it works asynchronously, so a `strata` command or a `curl` that sends no data
    (a GET) whose output does not match yet is run again, for up to 15 seconds, as a user would look
    again a moment later (the tour's `strata` commands then only read; a `curl` that sends data is run
    once). So is the receiver's block. A read of memberships answers from what the engine has recorded
    (docs/server.md), which on a busy machine may be a moment behind the write before it.
  - Commands in SKIPPED are not run, for the reason given there.

What must match:
  - Everything, line by line, except: a shown line `...` (indented or not) matches any run of lines;
    trailing spaces are ignored; timings are masked (`0.002 s`, `in 1.2 s`, `387,963 messages/s`,
    `load 1.04 s (timelines 0.10 s)`, `eval 0.06 s`, `22.6 bytes/event`); so is the size on disk of a
    store just written (`46.4 MiB on disk`: it counts SQLite's write-ahead log, whose size depends on
    when SQLite last checkpointed); instants that depend on the current time are masked: in the real
    output an ISO 8601 instant or Unix time within a day of the run, in the shown output one within
    a day of the latest instant the README shows (when its outputs were recorded). Sizes, counts,
    percentages, ids and tables must match exactly.
The check reports each command whose output differs, with a unified diff of shown against real
output (both masked), and exits 1 if any differs.
"""
import base64
import datetime
import difflib
import hashlib
import hmac
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Commands (matched by a part of their text) left out of the check, with the reason.
SKIPPED = {
    "/changes/stream": "the change it shows comes two hours after the event (a not_followed_by "
                       "deadline passing), and the stream does not end",
}
TIMEOUT = 600  # seconds for one command
PATIENCE = 15  # seconds to look again at a `strata` command while a server runs

RECEIVED = "(what the webhook receiver got)"
SIGNATURE = re.compile(r"v1,[A-Za-z0-9+/]+=*")
HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")
INSTANT = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\b1\d{9}\b")
TIMINGS = [
    (re.compile(r" *\b\d[\d,]*(?:\.\d+)? messages/s"), " ~ messages/s"),
    (re.compile(r" *\b\d+(?:\.\d+)? bytes/event"), " ~ bytes/event"),
    (re.compile(r" *\b\d+(?:\.\d+)? s\b"), " ~ s"),
    (re.compile(r"\b\d+(?:\.\d+)? MiB on disk"), "~ MiB on disk"),
]


def commands(readme):
    """(line number, command, shown output lines) for each command of the README's fenced blocks, and
    (line number, RECEIVED, lines) for each block that shows what the webhook receiver got."""
    found, block, current = [], None, None
    lines = readme.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("```"):
            block = None if block is not None else []
            current = None
            continue
        if block is None:
            continue
        if not block and current is None and line.startswith("POST "):
            current = (i, RECEIVED, [])
            found.append(current)
        block.append(line)
        if line.startswith("$ "):
            number, text = i, line[2:]
            while text.endswith("\\") and i < len(lines):
                text += "\n" + lines[i]
                i += 1
            heredoc = HEREDOC.search(text)
            if heredoc:
                while i < len(lines):
                    text += "\n" + lines[i]
                    i += 1
                    if lines[i - 1] == heredoc.group(1):
                        break
            current = (number, text, [])
            found.append(current)
        elif current is not None:
            current[2].append(line)
    return found


def instant_seconds(text):
    if text.isdigit():
        return int(text)
    stamp = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return stamp.timestamp()


def mask(lines, now):
    """The lines with timings and the instants within a day of `now` (Unix seconds) masked."""
    def instant(match):
        return "<now>" if abs(instant_seconds(match.group(0)) - now) < 86400 else match.group(0)
    masked = []
    for line in lines:
        line = INSTANT.sub(instant, line)
        for pattern, replacement in TIMINGS:
            line = pattern.sub(replacement, line)
        masked.append(line.rstrip())
    return masked


def matches(shown, actual):
    """Whether the actual lines match the shown ones, a shown `...` standing for any run of lines."""
    pattern = "".join(r"(?:[^\n]*\n)*?" if line.strip() == "..." else re.escape(line) + r"\n" for line in shown)
    return re.fullmatch(pattern, "".join(line + "\n" for line in actual)) is not None


class Receiver:
    """A webhook receiver on loopback that answers 204 and keeps what it gets."""

    def __init__(self, secret):
        self.key = base64.b64decode(secret.removeprefix("whsec_")) if secret else None
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((self.path, dict(self.headers), body.decode()))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Session:
    """A terminal session: the folder, the exported variables and the background commands."""

    def __init__(self, strata, folder, secret):
        self.folder = folder
        self.state = os.path.join(folder, ".environment")
        self.environment = dict(os.environ)
        path = [os.path.dirname(os.path.abspath(strata)), os.path.dirname(sys.executable)]
        self.environment["PATH"] = os.pathsep.join(path + [os.environ.get("PATH", "")])
        self.environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"  # pip's notice of a newer pip depends on the day
        with socket.create_server(("127.0.0.1", 0)) as probe:
            self.port = probe.getsockname()[1]
        self.receiver = Receiver(secret)
        self.background = []  # (command, process, log path) of every background command, in order

    def received(self, shown):
        """What the receiver got, as a README block shows it: `POST path`, the headers the block names,
        the body; a signature that verifies is masked, one that does not is shown as such."""
        names = {line.split(":")[0].lower() for line in shown[1:] if re.match(r"[\w-]+: ", line)}
        lines = []
        for path, headers, body in self.receiver.requests:
            signed = f"{headers.get('webhook-id')}.{headers.get('webhook-timestamp')}.{body}".encode()
            digest = hmac.new(self.receiver.key or b"", signed, hashlib.sha256).digest()
            verified = hmac.compare_digest("v1," + base64.b64encode(digest).decode(), headers.get("webhook-signature", ""))
            signature = "v1,<signature>" if verified else "v1,<a signature that does not verify>"
            lines.append(f"POST {path}")
            lines += [f"{name}: {SIGNATURE.sub(signature, value)}" for name, value in headers.items()
                      if name.lower() in names]
            lines.append(body)
        return lines

    def localise(self, command):
        command = command.replace("localhost:8080", f"localhost:{self.port}")
        command = command.replace(":9999", f":{self.receiver.port}")
        if re.search(r"\bstrata serve\b", command):
            command = re.sub(r"\bstrata serve\b", f"strata serve --port {self.port}", command)
        return command

    def delocalise(self, output):
        return output.replace(f":{self.receiver.port}", ":9999").replace(f":{self.port}", ":8080")

    def run(self, command):
        """The merged output lines of one command, or None for a background command."""
        if re.fullmatch(r"kill %\d+", command):
            running = [job for job in self.background if job[1].poll() is None]
            self.stop(running[int(command[6:]) - 1])
            return []
        command = self.localise(command)
        if command.endswith("&"):
            self.start(command[:-1].strip())
            return None
        script = f'{command}\n__status=$?\nenv -0 > "{self.state}"\nexit $__status\n'
        completed = subprocess.run(["stdbuf", "-oL", "bash", "-c", script], cwd=self.folder, env=self.environment,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=TIMEOUT)
        if os.path.exists(self.state):
            with open(self.state, "rb") as f:
                pairs = [item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item]
            os.remove(self.state)
            self.environment = {k.decode(): v.decode() for k, v in pairs
                                if k not in (b"LD_PRELOAD", b"_STDBUF_O", b"_", b"SHLVL", b"PWD", b"OLDPWD")}
        return self.delocalise(completed.stdout.decode()).splitlines()

    def start(self, command):
        log = os.path.join(self.folder, f".background-{len(self.background) + 1}.log")
        with open(log, "wb") as f:
            process = subprocess.Popen(["bash", "-c", command], cwd=self.folder, env=self.environment,
                                       stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.background.append((command, process, log))
        if not re.search(r"\bstrata serve\b", command):
            return
        # curl retries while the port is closed and while /ready answers 503, once a second for 2 minutes
        ready = subprocess.run(["curl", "-sf", "--max-time", "5", "--retry", "120", "--retry-delay", "1",
                                "--retry-connrefused", f"http://127.0.0.1:{self.port}/ready"], capture_output=True)
        if ready.returncode != 0:
            raise SystemExit(f"FAIL: `{command}` did not get ready:\n{self.logs()}")

    def stop(self, job):
        command, process, log = job
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def close(self):
        for job in self.background:
            self.stop(job)
        self.receiver.server.shutdown()

    def logs(self):
        text = []
        for command, process, log in self.background:
            with open(log, errors="replace") as f:
                text.append(f"--- output of `{command}`\n" + f.read())
        return "\n".join(text)


def rerunnable(command):
    """Whether a command only reads, so that running it again changes nothing: `strata` commands (while a
    server runs), the receiver's block, and a `curl` that sends no data."""
    if command.startswith(("strata ", RECEIVED)):
        return True
    return command.startswith("curl ") and not re.search(r"\s(-d|--data\S*|-X|--request|-F|--form|-T)\s", command)


def main():
    strata = os.path.abspath(sys.argv[1])
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")) as f:
        readme = f.read()
    shown_now = max((instant_seconds(m.group(0)) for m in INSTANT.finditer(readme)), default=0)

    failures = 0
    with tempfile.TemporaryDirectory() as temporary:
        folder = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else temporary
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        secret = re.search(r"whsec_[A-Za-z0-9+/]+=*", readme)
        session = Session(strata, folder, secret.group(0) if secret else None)
        try:
            for number, command, shown in commands(readme):
                title = command.splitlines()[0]
                reason = next((why for part, why in SKIPPED.items() if part in command), None)
                if reason:
                    print(f"skip README.md:{number}: {title}\n     ({reason})")
                    continue
                expected = mask(shown, shown_now)
                if command == RECEIVED:
                    expected = [SIGNATURE.sub("v1,<signature>", line) for line in expected]
                deadline = time.monotonic() + PATIENCE
                while True:
                    started = time.time()
                    output = session.received(shown) if command == RECEIVED else session.run(command)
                    if output is None:
                        break
                    actual = mask(output, started)
                    serving = any(process.poll() is None for _, process, _ in session.background)
                    if matches(expected, actual) or not rerunnable(command) or not serving \
                            or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
                if output is None:
                    print(f"bg   README.md:{number}: {title}")
                elif matches(expected, actual):
                    print(f"ok   README.md:{number}: {title}")
                else:
                    failures += 1
                    print(f"FAIL README.md:{number}: {title}")
                    sys.stdout.writelines(line + "\n" for line in difflib.unified_diff(
                        expected, actual, "shown", "actual", lineterm=""))
        except BaseException:
            print(session.logs())
            raise
        finally:
            session.close()
        if failures:
            print(session.logs())
    print(f"{failures} command(s) differ from the README" if failures else "every command gives the output shown")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
