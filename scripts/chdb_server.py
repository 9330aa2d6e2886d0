#!/usr/bin/env python3
"""A current ClickHouse behind its HTTP interface, for the ClickHouse store's tests: chdb-core (PyPI)
runs ClickHouse inside this process, and this serves the part of ClickHouse's HTTP interface that
Strata's client uses (docs/clickhouse.md), so that Strata's SQL is checked on the current dialect as
well as on Debian's clickhouse-server 18.16.

    chdb_server.py FOLDER [--port PORT]

Keeps its databases in FOLDER. Prints `http://127.0.0.1:PORT` once it answers (PORT 0 picks a free
one) and serves until SIGTERM or SIGINT.

What it serves, as ClickHouse does: `GET /` and `GET /ping` answer `Ok.`; `POST /` runs the body as
one statement, or, with a `query` parameter, the parameter followed by the body (an INSERT's rows),
in the database the `database` parameter names (`default` otherwise), with every other parameter as a
setting of that statement (`max_query_size=...`), and TabSeparated output unless the statement says
`FORMAT`. A statement that fails answers 500 with ClickHouse's message. Statements run one at a time
(one chdb session); credentials are not checked (loopback only).
"""

from __future__ import annotations

import argparse
import http.server
import signal
import sys
import threading
import urllib.parse

from chdb import session as chdb_session


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "Server"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/tab-separated-values; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/", "/ping"):
            self.answer(200, b"Ok.\n")
        else:
            self.answer(404, b"There is no handle " + path.encode() + b"\n")

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        parts = urllib.parse.urlsplit(self.path)
        if parts.path != "/":
            self.answer(404, b"There is no handle " + parts.path.encode() + b"\n")
            return
        parameters = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        statement = parameters.pop("query") + "\n" + body if "query" in parameters else body
        database = parameters.pop("database", "default")
        status, output = self.server.run(database, parameters, statement)
        self.answer(status, output)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, folder: str) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.session = chdb_session.Session(folder)
        self.lock = threading.Lock()

    def run(self, database: str, settings: dict[str, str], statement: str) -> tuple[int, bytes]:
        """Runs a statement in a database with some settings: (200, its output) or (500, ClickHouse's
        message). The session is left in `default` with the default settings."""
        with self.lock:
            try:
                self.session.query(f"USE {database}")
                for name, value in settings.items():
                    self.session.query(f"SET {name} = {self.literal(value)}")
                try:
                    result = self.session.query(statement, "TabSeparated")
                finally:
                    self.session.query("USE default")
                    for name in settings:
                        self.session.query(f"SET {name} = DEFAULT")
            except Exception as error:  # chdb raises its own error type with ClickHouse's text
                return 500, (str(error).strip() + "\n").encode()
            return 200, result.bytes() if hasattr(result, "bytes") else str(result).encode()

    @staticmethod
    def literal(value: str) -> str:
        """A setting's value as SQL: a number as it is, anything else quoted."""
        try:
            float(value)
            return value
        except ValueError:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    server = Server(args.port, args.folder)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    signal.signal(signal.SIGINT, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
