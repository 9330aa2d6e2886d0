#!/usr/bin/env python3
"""Imports the real CDNOW purchase log with `strata import --map` and checks it against the file.

The file is the CDNOW master file of the PyPI package `lifetimes` (see cdnow.py).

Checks, per customer, computed independently here from the raw file:
  - the number of stored "Order Completed" events and the sum of their revenue (read back with
    `strata messages`),
  - first and last purchase dates and the event count, for a sample of profiles via `strata profile --format json`,
  - that a second import of the same file stores nothing new.
Usage: cdnow_check.py STRATA_BINARY WORKDIR
"""
import collections
import datetime
import json
import sys

import cdnow

strata, workdir = sys.argv[1], sys.argv[2]
source = cdnow.source()
run = cdnow.runner(strata)
workspace = cdnow.fresh_workspace(run, workdir)

expected_count = collections.Counter()
expected_revenue = collections.defaultdict(float)
dates = collections.defaultdict(list)
rows = 0
with open(source) as handle:
    for line in handle:
        fields = line.split()
        if not fields or fields[0] == "customer_id":  # the header row
            continue
        rows += 1
        customer, day, _cds, value = fields
        expected_count[customer] += 1
        expected_revenue[customer] += float(value)
        dates[customer].append(day)

summary = run("import", source, "-w", workspace, *cdnow.MAPPING)
print(summary)
again = run("import", source, "-w", workspace, *cdnow.MAPPING)

failures = []
def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures.append(name)

check("rows read (header excluded)", f"imported     {rows:,}" in summary, summary)
check("nothing quarantined", "quarantined  0" in summary, summary)
check("second import stores nothing", "imported     0" in again and f"duplicates   {rows:,}" in again, again)

stored = {}
for line in run("messages", "-w", workspace).splitlines():
    message = json.loads(line)
    count, revenue = stored.get(message["userId"], (0, 0.0))
    stored[message["userId"]] = (count + 1, revenue + message["properties"]["revenue"])
check("customers", len(stored) == len(expected_count), f"{len(stored)} != {len(expected_count)}")
bad = [c for c in expected_count
       if c not in stored or stored[c][0] != expected_count[c] or abs(stored[c][1] - expected_revenue[c]) > 1e-6]
check("orders and revenue per customer", not bad, f"{len(bad)} customers differ, e.g. {bad[:5]}")

def iso(day):
    return datetime.datetime.strptime(day, "%Y%m%d").strftime("%Y-%m-%dT00:00:00.000Z")

sample = sorted(expected_count)[::1000]
for customer in sample:
    profile = json.loads(run("profile", customer, "-w", workspace, "--format", "json", "--as-of", "1998-07-01"))
    ok = (profile["id"] == customer
          and profile["eventCounts"] == {"Order Completed": expected_count[customer]}
          and profile["firstSeen"] == iso(min(dates[customer]))
          and profile["lastSeen"] == iso(max(dates[customer])))
    check(f"profile {customer}", ok, json.dumps(profile)[:300])

print(f"{len(sample) + 5 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
