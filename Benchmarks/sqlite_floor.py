"""The floor SQLite sets for `strata import` with a row per message: how much CPU the first
migration's messages table and indexes cost per message on their own, without decoding or identity
links. The store has kept messages in blocks since (the `v5-message-blocks` migration); this
measures the layout it left.

Takes the store's schema from its first migration (Sources/StrataStore/SQLite/SQLiteStore+Schema.swift),
writes the messages of a JSONL file as tab-separated rows, compiles sqlite_floor.c against the
system's SQLite (needs a C compiler and libsqlite3-dev) and inserts the rows into a fresh database
for each variant:
- all: the schema as it is;
- no-secondary: without the userId, anonymousId and groupId indexes;
- all-16k: the schema with 16 KB pages instead of 4 KB;
- all-no-memstatus: the schema with SQLite's memory statistics switched off.

Usage: sqlite_floor.py MESSAGES.jsonl WORKDIR [--repeat N]
Prints one JSON object: CPU and wall seconds of each run of each variant.
"""
import argparse
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDARY = ["messages_user_id", "messages_anonymous_id", "messages_group_id"]


def schema():
    source = open(os.path.join(ROOT, "Sources/StrataStore/SQLite/SQLiteStore+Schema.swift")).read()
    first = source.split('sql: """', 1)[1].split('"""', 1)[0]
    return re.sub(r"--[^\n]*", "", first)


def rows(messages, path):
    with open(messages) as source, open(path, "w") as out:
        for line in source:
            if not line.strip():
                continue
            m = json.loads(line)
            payload = json.dumps(m.get("properties") or m.get("traits") or {}, separators=(",", ":"))
            fields = [m.get("messageId") or "", m.get("userId") or "", m.get("anonymousId") or "",
                      m.get("groupId") or "", payload]
            out.write("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("messages")
    parser.add_argument("work")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    tsv = os.path.join(args.work, "rows.tsv")
    rows(args.messages, tsv)
    full = schema()
    without = full
    for name in SECONDARY:
        without = re.sub(r"CREATE INDEX %s [^;]*;" % name, "", without)
    schemas = {"all": full, "no-secondary": without}
    for name, text in schemas.items():
        with open(os.path.join(args.work, name + ".sql"), "w") as out:
            out.write(text)
    binary = os.path.join(args.work, "sqlite_floor")
    subprocess.run(["cc", "-O2", "-o", binary, os.path.join(ROOT, "Benchmarks", "sqlite_floor.c"), "-lsqlite3"],
                   check=True)
    variants = {"all": ("all", 4096, 1), "no-secondary": ("no-secondary", 4096, 1),
                "all-16k": ("all", 16384, 1), "all-no-memstatus": ("all", 4096, 0)}
    result = {"messages": args.messages, "runs": {}}
    for _ in range(args.repeat):
        for variant, (schema_name, page, memstatus) in variants.items():
            database = os.path.join(args.work, "floor.db")
            for suffix in ["", "-wal", "-shm"]:
                if os.path.exists(database + suffix):
                    os.remove(database + suffix)
            out = subprocess.run([binary, tsv, os.path.join(args.work, schema_name + ".sql"), database, str(page),
                                  str(memstatus)], check=True, capture_output=True, text=True).stdout
            result["runs"].setdefault(variant, []).append(json.loads(out))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
