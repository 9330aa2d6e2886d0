"""How replacing a large file stalls the disk syncs of a database beside it (not a test: it asserts
nothing about time).

A thread stands in for the database's commits: it appends 8 KB to a file and syncs it (fsync),
every 5 ms. Meanwhile the main thread replaces a file of SIZE_MB (a snapshot of the live engine)
in one of three ways:

- plain: written in one go and renamed over the old file (what the server did before);
- synced: synced after every megabyte written and once more at the end, then renamed over the old
  file;
- shrunk: as synced, but the old file is held open across the rename and then shortened 4 MB at a
  time before it is closed (what the server does now, `SnapshotFile`).

Each way runs ROUNDS times, each over the file the round before left, and prints the slowest
commits of each round with the time they took. Usage:
  snapshot_write_bench.py FOLDER [--size-mb 150] [--rounds 3]
"""

import argparse
import os
import threading
import time

CHUNK = 1 << 20
STEP = 4 << 20


def replace(folder, size, way):
    path = os.path.join(folder, "snapshot")
    temporary = path + ".new"
    data = os.urandom(CHUNK)
    file = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for _ in range(size // CHUNK):
        os.write(file, data)
        if way != "plain":
            os.fsync(file)
    if way != "plain":
        os.fsync(file)
    os.close(file)
    old = os.open(path, os.O_WRONLY) if way == "shrunk" and os.path.exists(path) else None
    os.rename(temporary, path)
    if old is not None:
        length = os.fstat(old).st_size
        while length > 0:
            length = max(0, length - STEP)
            os.ftruncate(old, length)
        os.close(old)


def round_of(folder, size, way):
    commits = []
    stop = threading.Event()

    def commit():
        log = os.open(os.path.join(folder, "wal"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        while not stop.is_set():
            began = time.perf_counter()
            os.write(log, b"x" * 8192)
            os.fsync(log)
            commits.append((time.perf_counter() - began) * 1000)
            time.sleep(0.005)
        os.close(log)

    thread = threading.Thread(target=commit)
    thread.start()
    time.sleep(1)
    began = time.perf_counter()
    replace(folder, size, way)
    seconds = time.perf_counter() - began
    time.sleep(2)
    stop.set()
    thread.join()
    commits.sort()
    return seconds, commits


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--size-mb", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    for way in ["plain", "synced", "shrunk"]:
        # The first write of each way has no old file of its own size to replace.
        replace(args.folder, args.size_mb * CHUNK, way)
        for _ in range(args.rounds):
            seconds, commits = round_of(args.folder, args.size_mb * CHUNK, way)
            slowest = ", ".join(f"{ms:.1f}" for ms in commits[-3:][::-1])
            print(f"{way:7s} replaced in {seconds:.2f} s; {len(commits)} commits, "
                  f"p50 {commits[len(commits) // 2]:.2f} ms, slowest {slowest} ms")


if __name__ == "__main__":
    main()
