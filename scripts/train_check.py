#!/usr/bin/env python3
"""Checks `strata train` against scikit-learn on generated data, with features computed here.

Generates 1,500 users over March-June 2026 (logins, report runs, a plan trait that changes, and
upgrades whose odds rise with recent logins), imports them, writes a logistic model with three
train_as_of dates and runs `strata train NAME --format json`. Independently of Strata, this script
computes every snapshot's features from the generated messages (count of logins in the 30 days up
to T, whether a report was run in them, the plan as of T) and the label (an upgrade in (T, T+30d]),
then fits scikit-learn's StandardScaler + LogisticRegression(C=1/lambda) on all snapshots and, for
the held-out AUC, on the first two. Means, scales, coefficients, the intercept and the AUC must agree.
Usage: train_check.py STRATA_BINARY WORKDIR
"""
import datetime
import json
import os
import random
import shutil
import subprocess
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

strata, workdir = sys.argv[1], sys.argv[2]
shutil.rmtree(workdir, ignore_errors=True)
os.makedirs(workdir)
workspace = os.path.join(workdir, "train")

DAY = 86_400_000
UTC = datetime.timezone.utc
START = int(datetime.datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1000)
END = int(datetime.datetime(2026, 7, 1, tzinfo=UTC).timestamp() * 1000)
SNAPSHOTS = ["2026-04-01", "2026-05-01", "2026-06-01"]

rng = random.Random(7)
messages = []


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add(kind, user, ms, **fields):
    message = {"type": kind, "userId": user, "timestamp": iso(ms), "messageId": f"m{len(messages)}"}
    message.update(fields)
    messages.append(message)


events = {}  # user -> list of (ms, name)
plans = {}  # user -> list of (ms, plan)
for u in range(1500):
    user = f"u{u}"
    rate = rng.choice([0.02, 0.1, 0.3, 0.6])  # logins per day
    plan_changes = [(START + rng.randrange(0, 5 * DAY), rng.choice(["free", "pro"]))]
    if rng.random() < 0.3:
        plan_changes.append((START + rng.randrange(30 * DAY, 110 * DAY), rng.choice(["free", "pro"])))
    plans[user] = plan_changes
    for ms, plan in plan_changes:
        add("identify", user, ms, traits={"plan": plan})
    log = []
    t = START
    while True:
        t += int(rng.expovariate(rate) * DAY) + 1
        if t >= END:
            break
        log.append((t, "Login"))
        if rng.random() < 0.2:
            log.append((t + 1000, "Report Run"))
    # Upgrades: each 10-day block, odds rising with the logins of the 30 days before it.
    for block in range(START + 30 * DAY, END, 10 * DAY):
        recent = sum(1 for ms, name in log if name == "Login" and block - 30 * DAY < ms <= block)
        p = 1 / (1 + np.exp(-(-4.5 + 0.25 * recent)))
        if rng.random() < p:
            log.append((block + rng.randrange(1, 10 * DAY), "Upgraded"))
    for ms, name in log:
        add("track", user, ms, event=name)
    events[user] = log

source = os.path.join(workdir, "messages.jsonl")
with open(source, "w") as handle:
    for message in messages:
        handle.write(json.dumps(message) + "\n")


def run(*args):
    return subprocess.run([strata, *args], check=True, capture_output=True, text=True).stdout


run("init", workspace)
run("import", source, "-w", workspace)
LAMBDA = 1.0
with open(os.path.join(workspace, "scores", "propensity.yaml"), "w") as handle:
    handle.write(
        "kind: logistic\n"
        "features:\n"
        '  - count("Login", last 30d)\n'
        '  - did("Report Run", last 30d)\n'
        '  - trait.plan = "pro"\n'
        'label: did("Upgraded", next 30d)\n'
        f"train_as_of: [{', '.join(SNAPSHOTS)}]\n")
model = json.loads(run("train", "propensity", "-w", workspace, "--format", "json"))


def snapshot(date):
    t = int(datetime.datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp() * 1000)
    rows, labels = [], []
    for user in sorted(events):
        if min(ms for ms, _ in plans[user]) > t and all(ms > t for ms, _ in events[user]):
            continue  # no message at or before T: not a profile yet
        log = events[user]
        logins = sum(1 for ms, name in log if name == "Login" and t - 30 * DAY < ms <= t)
        report = any(name == "Report Run" and t - 30 * DAY < ms <= t for ms, name in log)
        plan = max((c for c in plans[user] if c[0] <= t), default=(0, None))[1]
        rows.append([logins, 1.0 if report else 0.0, 1.0 if plan == "pro" else 0.0])
        labels.append(any(name == "Upgraded" and t < ms <= t + 30 * DAY for ms, name in log))
    return np.array(rows), np.array(labels, dtype=int)


data = [snapshot(d) for d in SNAPSHOTS]


def fit(parts):
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    scaler = StandardScaler().fit(x)
    regression = LogisticRegression(C=1 / LAMBDA, solver="newton-cg", tol=1e-12, max_iter=1000)
    return scaler, regression.fit(scaler.transform(x), y)


scaler, final = fit(data)
early_scaler, early = fit(data[:2])
held_x, held_y = data[2]
auc = roc_auc_score(held_y, early.predict_proba(early_scaler.transform(held_x))[:, 1])

failures = []


def compare(what, mine, theirs, tolerance=1e-6):
    print(f"{what:<24} strata {mine: .9f}  scikit-learn {theirs: .9f}")
    if abs(mine - theirs) > tolerance:
        failures.append(what)


sizes = [(len(y), int(y.sum())) for _, y in data]
strata_sizes = [(s["profiles"], s["positives"]) for s in model["metrics"]["snapshots"]]
print("snapshot sizes (profiles, positives):", sizes, "strata:", strata_sizes)
if sizes != strata_sizes:
    failures.append("snapshot sizes")
compare("intercept", model["intercept"], final.intercept_[0])
for j, name in enumerate(model["features"]):
    compare(f"mean {j}", model["standardization"]["means"][j], scaler.mean_[j], 1e-9)
    compare(f"scale {j}", model["standardization"]["scales"][j], scaler.scale_[j], 1e-9)
    compare(f"coefficient {j}", model["coefficients"][j], final.coef_[0][j])
compare("held-out AUC", model["metrics"]["auc"], auc, 1e-9)
if failures:
    sys.exit("strata train disagrees with scikit-learn on: " + ", ".join(failures))
print("strata train agrees with scikit-learn")
