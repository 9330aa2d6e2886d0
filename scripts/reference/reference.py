"""The DuckDB reference for segment membership: load JSONL messages, build the identity-resolved
views for an evaluation instant, run the hand-written segment queries.

Shared by scripts/differential.py, scripts/reference/selftest.py and Benchmarks/duckdb_catalog.py.
The SQL lives beside this file: _load.sql, _prelude.sql and one NAME.sql per segment.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DAY_MS = 86_400_000


def segment_names() -> list[str]:
    """Every reference segment (NAME.sql beside this file, without the _-prefixed helpers)."""
    return sorted(p.stem for p in HERE.glob("*.sql") if not p.name.startswith("_"))


def segment_sql(name: str) -> str:
    return (HERE / f"{name}.sql").read_text()


def segment_where(name: str) -> str | None:
    """The `-- where:` line of a segment file: the definition the query implements."""
    for line in segment_sql(name).splitlines():
        if line.startswith("-- where:"):
            return line[len("-- where:"):].strip()
    return None


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load(con: duckdb.DuckDBPyConnection, path: str | Path) -> int:
    """Loads the JSONL file into `messages` (file order = rowid); returns the number of rows."""
    quoted = str(Path(path).resolve()).replace("'", "''")
    con.execute((HERE / "_load.sql").read_text().replace("{path}", quoted))
    return con.execute("SELECT count(*) FROM messages").fetchone()[0]


def prepare(con: duckdb.DuckDBPyConnection, now_ms: int) -> None:
    """Builds m / links / mp / profiles / events / seen / traits for the instant `now_ms`."""
    con.execute(f"SET VARIABLE now = {int(now_ms)}")
    con.execute((HERE / "_prelude.sql").read_text())


def members(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The segment's member profile ids, sorted by bytes."""
    rows = con.execute(segment_sql(name)).fetchall()
    ids = [r[0] for r in rows]
    return sorted(ids, key=lambda s: s.encode("utf-8"))


def user_aliases(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Alias / link pairs whose previous id is itself a userId (user-to-user merges)."""
    return con.execute("SELECT aid, uid FROM user_aliases ORDER BY ALL").fetchall()


def max_time_ms(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        "SELECT max(epoch_ms(CAST(coalesce(timestamp, receivedAt) AS TIMESTAMPTZ))) FROM messages"
    ).fetchone()[0]


_INSTANT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$")


def parse_instant(text: str) -> int:
    """ISO-8601 date or instant (UTC unless an offset is given) -> epoch milliseconds."""
    match = _INSTANT.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO-8601 instant: {text!r}")
    y, mo, d, h, mi, s, frac, zone = match.groups()
    moment = _dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=_dt.timezone.utc)
    ms = int(moment.timestamp()) * 1000 + (int((frac or "0")[:3].ljust(3, "0")))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        ms -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60) * 1000
    return ms


def format_instant(ms: int) -> str:
    moment = _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"
