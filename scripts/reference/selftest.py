#!/usr/bin/env python3
"""Hand-built timelines for the DuckDB reference queries, with membership worked out by hand.

Each probe names a profile that must (or must not) be in a segment at an evaluation instant;
most sit on a window edge. Run: .venv-diff/bin/python scripts/reference/selftest.py
Prints one line per failed probe and `N passed, M failed`; exits non-zero on a failure.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

H = 3_600_000
D = reference.DAY_MS
# Wednesday 2026-07-01 12:00 UTC: the current week began Monday 2026-06-29, the month 2026-07-01.
NOW = reference.parse_instant("2026-07-01T12:00:00Z")
# Sunday 2026-06-28 22:00 UTC, for the weekly segments.
SUNDAY = reference.parse_instant("2026-06-28T22:00:00Z")

messages: list[dict] = []
_counter = 0


def _id() -> str:
    global _counter
    _counter += 1
    return f"st-{_counter}"


def _ts(ms: int) -> str:
    return reference.format_instant(ms)


def _ids(user: str | None, anon: str | None) -> dict:
    out = {}
    if user:
        out["userId"] = user
    if anon:
        out["anonymousId"] = anon
    return out


def track(user, event, t, props=None, anon=None, mid=None):
    messages.append({"type": "track", "messageId": mid or _id(), **_ids(user, anon), "event": event,
                     "properties": props or {}, "timestamp": _ts(t)})


def page(user, path, t, anon=None):
    messages.append({"type": "page", "messageId": _id(), **_ids(user, anon), "name": path,
                     "properties": {"path": path, "url": "https://x.example" + path}, "timestamp": _ts(t)})


def identify(user, traits, t, anon=None):
    messages.append({"type": "identify", "messageId": _id(), **_ids(user, anon), "traits": traits,
                     "timestamp": _ts(t)})


def group(user, group_id, t):
    messages.append({"type": "group", "messageId": _id(), "userId": user, "groupId": group_id,
                     "traits": {"name": group_id, "plan": "pro"}, "timestamp": _ts(t)})


def alias(previous, user, t):
    messages.append({"type": "alias", "messageId": _id(), "previousId": previous, "userId": user,
                     "timestamp": _ts(t)})


probes: list[tuple[int, str, str, bool]] = []  # (now, segment, profile, expected member)


def expect(segment, profile, member=True, now=NOW):
    probes.append((now, segment, profile, member))


# ---- identity ---------------------------------------------------------------------------------
for k in (1, 2, 3):
    page(None, "/pricing", NOW - k * D, anon="a-merge")
identify("u-merge", {"plan": "pro"}, NOW - H, anon="a-merge")
expect("pricing-intent", "u-merge")
expect("pricing-intent", "a-merge", False)

for k in (1, 2, 3):
    page(None, "/pricing", NOW - k * D, anon="a-late")
identify("u-late", {"plan": "pro"}, NOW + H, anon="a-late")  # after now: no link yet
expect("pricing-intent", "a-late")
expect("pricing-intent", "u-late", False)

identify("u-c1", {}, NOW - 10 * D, anon="a-conflict")
identify("u-c2", {}, NOW - 5 * D, anon="a-conflict")  # conflicting later link: ignored
for k in (1, 2, 3):
    page(None, "/pricing", NOW - k * D, anon="a-conflict")
expect("pricing-intent", "u-c1")
expect("pricing-intent", "u-c2", False)

for k in (6, 4, 3):  # before the alias: merged all the same
    page(None, "/pricing", NOW - k * D + H, anon="a-alias")
alias("a-alias", "u-alias", NOW - 2 * D)
expect("pricing-intent", "u-alias")
expect("pricing-intent", "a-alias", False)

track("u-dup", "Order Completed", NOW - 3 * D, {"revenue": 10}, mid="dup-1")
track("u-dup", "Order Completed", NOW - 2 * D, {"revenue": 99}, mid="dup-1")  # duplicate id
expect("first-time-buyers", "u-dup")
expect("repeat-buyers", "u-dup", False)

track("u-future", "Order Completed", NOW - D)
track("u-future", "Order Completed", NOW + D)
expect("first-time-buyers", "u-future")
expect("repeat-buyers", "u-future", False)

# ---- counts, windows ----------------------------------------------------------------------------
for user, oldest in (("u-fb-edge", NOW - 90 * D), ("u-fb-in", NOW - 90 * D + 1)):
    for t in (oldest, NOW - 10 * D, NOW - 5 * D, NOW - D):
        track(user, "Order Completed", t)
expect("frequent-buyers", "u-fb-edge", False)
expect("frequent-buyers", "u-fb-in")
expect("repeat-buyers", "u-fb-in")

track("u-fa-in", "Report Run", NOW - 7 * D)
track("u-fa-out", "Report Run", NOW - 7 * D + 1)
track("u-fa-out2", "Report Run", NOW - 20 * D)
track("u-fa-out2", "Report Run", NOW - D)
expect("feature-abandoners", "u-fa-in")
expect("feature-abandoners", "u-fa-out", False)
expect("feature-abandoners", "u-fa-out2", False)

page("u-pi-edge", "/pricing", NOW - 7 * D)
page("u-pi-edge", "/pricing", NOW - D)
page("u-pi-edge", "/pricing", NOW - 2 * D)
page("u-pi-slash", "/pricing/", NOW - 3 * D)
page("u-pi-slash", "/pricing", NOW - D)
page("u-pi-slash", "/pricing", NOW - 2 * D)
page("u-pi-in", "/pricing", NOW - 7 * D + 1)
page("u-pi-in", "/pricing", NOW)
page("u-pi-in", "/pricing", NOW - 2 * D)
expect("pricing-intent", "u-pi-edge", False)
expect("pricing-intent", "u-pi-slash", False)
expect("pricing-intent", "u-pi-in")

for user, login in (("u-i21-in", NOW - 21 * D), ("u-i21-out", NOW - 21 * D + 1)):
    page(user, "/", NOW - D)
    track(user, "Logged In", login)
identify("u-identify-only", {"plan": "free"}, NOW - 3 * D)
expect("inactive-21d", "u-i21-in")
expect("inactive-21d", "u-i21-out", False)
expect("inactive-21d", "u-identify-only", False)

for f in ["dashboards", "reports", "alerts", "exports", "automations", "integrations", "templates", "comments"]:
    track("u-deep", "Feature Used", NOW - 2 * D, {"feature": f})
for f in ["dashboards", "reports", "alerts", "exports", "automations", "integrations", "templates", "templates"]:
    track("u-shallow", "Feature Used", NOW - 2 * D, {"feature": f})
track("u-shallow", "Feature Used", NOW - 30 * D, {"feature": "comments"})  # outside last 30d
expect("deep-users", "u-deep")
expect("deep-users", "u-shallow", False)

for s in (1, 2, 3, 4):
    track("u-ob-in", "Onboarding Step Completed", NOW - 50 * D, {"step": s})
for s in (1, 1, 2, 3, 3.0):
    track("u-ob-out", "Onboarding Step Completed", NOW - 50 * D, {"step": s})
track("u-ob-out", "Onboarding Step Completed", NOW - 50 * D, {"step_name": "x"})
expect("onboarding-halfway", "u-ob-in")
expect("onboarding-halfway", "u-ob-out", False)

for k in (1, 2, 3):
    track("u-hew-in", "Workflow Completed", NOW - k * D)
    track("u-hew-out", "Workflow Completed", NOW - (k + 4) * D)
expect("high-engagement-week", "u-hew-in")
expect("high-engagement-week", "u-hew-out", False)

track("u-na-in", "API Connected", NOW - 30 * D + 1)
track("u-na-edge", "API Connected", NOW - 30 * D)
track("u-na-twice", "API Connected", NOW - 40 * D)
track("u-na-twice", "API Connected", NOW - D)
expect("new-adopters-api", "u-na-in")
expect("new-adopters-api", "u-na-edge", False)
expect("new-adopters-api", "u-na-twice", False)

track("u-onc-in", "Email Opened", NOW - 14 * D + 1, {"campaign": "analytics"})
track("u-onc-in", "Email Link Clicked", NOW - D, {"campaign": "analytics", "link": "pricing"})
track("u-onc-in", "Email Link Clicked", NOW - D, {"campaign": "sale", "link": "demo"})
track("u-onc-out", "Email Opened", NOW - D, {"campaign": "analytics"})
track("u-onc-out", "Email Link Clicked", NOW - D, {"campaign": "analytics", "link": "demo"})
track("u-onc-old", "Email Opened", NOW - 14 * D, {"campaign": "analytics"})
expect("opened-not-clicked", "u-onc-in")
expect("opened-not-clicked", "u-onc-out", False)
expect("opened-not-clicked", "u-onc-old", False)

# ---- sums, this month ---------------------------------------------------------------------------
month_start = NOW - 12 * H  # 2026-07-01T00:00Z
track("u-hib-in", "Core Feature Used", NOW - 100 * D)
track("u-hib-in", "Session Ended", month_start, {"duration_hours": 15})
track("u-hib-in", "Demo Attended", NOW - 30 * D + 1)
track("u-hib-demo", "Core Feature Used", NOW - 100 * D)
track("u-hib-demo", "Session Ended", month_start, {"duration_hours": 15})
track("u-hib-demo", "Demo Attended", NOW - 30 * D)
track("u-hib-month", "Core Feature Used", NOW - D)
track("u-hib-month", "Session Ended", month_start - 1, {"duration_hours": 15})
track("u-hib-month", "Demo Attended", NOW - D)
track("u-hib-sum", "Core Feature Used", NOW - D)
track("u-hib-sum", "Session Ended", NOW - H, {"duration_hours": 7.5})
track("u-hib-sum", "Session Ended", NOW - 2 * H, {"duration_hours": 7.5})
track("u-hib-sum", "Trial Extension Requested", NOW - D, {"days": 7})
track("u-hib-str", "Core Feature Used", NOW - D)
track("u-hib-str", "Session Ended", NOW - H, {"duration_hours": "15"})
track("u-hib-str", "Demo Attended", NOW - D)
expect("high-intent-buyers", "u-hib-in")
expect("high-intent-buyers", "u-hib-demo", False)
expect("high-intent-buyers", "u-hib-month", False)
expect("high-intent-buyers", "u-hib-sum")
expect("high-intent-buyers", "u-hib-str", False)

for user, hours in (("u-ta-in", 4.0), ("u-ta-out", 3.995)):
    identify(user, {"plan": "trial"}, NOW - 40 * D)
    for k in range(5):
        track(user, "Document Created", NOW - (k + 1) * D)
    track(user, "Teammate Invited", NOW - 30 * D)
    track(user, "Session Ended", NOW - 3 * D, {"duration_hours": hours})
    track(user, "Session Ended", NOW - 2 * D, {"duration_hours": 4})
expect("trial-activated", "u-ta-in")
expect("trial-activated", "u-ta-out", False)

# ---- traits -------------------------------------------------------------------------------------
expect("dormant-free", "u-identify-only")
expect("at-risk-users", "u-identify-only")
identify("u-df-null", {"plan": "free"}, NOW - 10 * D)
identify("u-df-null", {"plan": None}, NOW - 5 * D)
identify("u-df-tie", {"plan": "pro"}, NOW - 5 * D)
identify("u-df-tie", {"plan": "free"}, NOW - 5 * D)  # same instant, later in the file: wins
identify("u-df-later", {"plan": "free"}, NOW - 5 * D)
identify("u-df-later", {"plan": "pro"}, NOW + 5 * D)  # after now: ignored
identify("u-df-order", {"plan": "free"}, NOW - 4 * D)
identify("u-df-order", {"plan": "pro"}, NOW - 6 * D)  # earlier timestamp, later line: loses
identify("u-df-active", {"plan": "free"}, NOW - 90 * D)
page("u-df-active", "/", NOW - 60 * D + 1)
identify("u-df-edge", {"plan": "free"}, NOW - 90 * D)
page("u-df-edge", "/", NOW - 60 * D)
expect("dormant-free", "u-df-null", False)
expect("dormant-free", "u-df-tie")
expect("dormant-free", "u-df-later")
expect("dormant-free", "u-df-order")
expect("dormant-free", "u-df-active", False)
expect("dormant-free", "u-df-edge")

for user, sub in (("u-pw-false", False), ("u-pw-true", True), ("u-pw-missing", None), ("u-pw-str", "false")):
    if sub is not None:
        identify(user, {"subscriber": sub}, NOW - 40 * D)
    for k in (1, 2, 3):
        track(user, "Paywall Hit", NOW - k * D, {"article_id": "a-1", "topic": "politics"})
identify("u-pw-null", {"subscriber": False}, NOW - 40 * D)
identify("u-pw-null", {"subscriber": None}, NOW - 20 * D)
for k in (1, 2, 3):
    track("u-pw-null", "Paywall Hit", NOW - k * D)
expect("paywall-3x", "u-pw-false")
expect("paywall-3x", "u-pw-true", False)
expect("paywall-3x", "u-pw-missing", False)
expect("paywall-3x", "u-pw-str", False)
expect("paywall-3x", "u-pw-null", False)

identify("u-is-in", {"subscriber": True}, NOW - 40 * D)
page("u-is-in", "/news", NOW - 30 * D)
identify("u-is-out", {"subscriber": True}, NOW - 40 * D)
page("u-is-out", "/news", NOW - 30 * D + 1)
expect("inactive-subscribers", "u-is-in")
expect("inactive-subscribers", "u-is-out", False)
expect("inactive-subscribers", "u-pw-true", False)  # its paywall hits are recent

# ---- at-risk --------------------------------------------------------------------------------------
for user, recent in (("u-ar-in", 2), ("u-ar-out", 3)):
    for k in range(recent):
        track(user, "Logged In", NOW - (k + 1) * D)
    for k in range(5):
        track(user, "Logged In", NOW - (31 + k) * D)
track("u-ar-edge60", "Logged In", NOW - 60 * D)
track("u-ar-edge60", "Logged In", NOW - 29 * D)
track("u-ar-core", "Logged In", NOW - D)
track("u-ar-core", "Core Feature Used", NOW - 30 * D)
track("u-ar-core2", "Logged In", NOW - D)
track("u-ar-core2", "Core Feature Used", NOW - 30 * D)
track("u-ar-core2", "Core Feature Used", NOW - 30 * D + 1)
expect("at-risk-users", "u-ar-in")
expect("at-risk-users", "u-ar-out", False)
expect("at-risk-users", "u-ar-edge60", False)
expect("at-risk-users", "u-ar-core")
expect("at-risk-users", "u-ar-core2", False)

# ---- first 7d / first_seen -------------------------------------------------------------------------
identify("u-sut-none", {"plan": "trial"}, NOW - 3 * D)
for user, invited in (("u-sut-late", 7 * D), ("u-sut-early", 7 * D - 1)):
    identify(user, {"plan": "trial"}, NOW - 30 * D)
    page(user, "/signup", NOW - 20 * D)
    track(user, "Document Created", NOW - 20 * D)
    track(user, "Teammate Invited", NOW - 20 * D + invited)
expect("single-user-trialists", "u-sut-none")
expect("single-user-trialists", "u-sut-late")
expect("single-user-trialists", "u-sut-early", False)

for user, first, n in (("u-ds-in", NOW - 15 * D, 2), ("u-ds-edge", NOW - 14 * D, 2), ("u-ds-many", NOW - 15 * D, 3)):
    page(user, "/", first)
    for k in range(n):
        track(user, "Session Started", NOW - D - k * H)
page("u-ds-pay", "/", NOW - 20 * D)
track("u-ds-pay", "Payment Succeeded", NOW - D, {"amount": 10})
expect("dormant-signups", "u-ds-in")
expect("dormant-signups", "u-ds-edge", False)
expect("dormant-signups", "u-ds-many", False)
expect("dormant-signups", "u-ds-pay", False)
expect("dormant-signups", "u-identify-only", False)

t0 = NOW - 20 * D
for user, third in (("u-a3-in", t0 + 7 * D - 1), ("u-a3-out", t0 + 7 * D)):
    page(user, "/", t0 - 5 * D)
    track(user, "Trial Started", t0, {"plan": "pro", "trial_days": 14})
    track(user, "Trial Started", t0 + 10 * D, {"plan": "pro", "trial_days": 14})
    track(user, "Feature Used", t0, {"feature": "alerts"})
    track(user, "Feature Used", t0 + D, {"feature": "reports"})
    track(user, "Feature Used", t0 - 1, {"feature": "exports"})  # before the anchor
    track(user, "Feature Used", third, {"feature": "search"})
expect("activated-3-features-week1", "u-a3-in")
expect("activated-3-features-week1", "u-a3-out", False)

for user, lesson in (("u-nfl-in", D), ("u-nfl-out", D - 1)):
    page(user, "/courses", NOW - 2 * D)
    track(user, "Lesson Completed", NOW - 2 * D + lesson, {"course": "python-101", "lesson": 1})
page("u-nfl-young", "/courses", NOW - D + 1)
page("u-nfl-edge", "/courses", NOW - D)
expect("no-first-lesson", "u-nfl-in")
expect("no-first-lesson", "u-nfl-out", False)
expect("no-first-lesson", "u-nfl-young", False)
expect("no-first-lesson", "u-nfl-edge")
expect("no-first-lesson", "u-identify-only", False)

fs = NOW - 40 * D
for user, offsets in (("u-law-in", (0, 7 * D)), ("u-law-out", (0, 7 * D, 14 * D)),
                      ("u-law-edge", (7 * D - 1, 14 * D - 1, 21 * D - 1))):
    for o in offsets:
        track(user, "Workout Completed", fs + o, {"workout_type": "run", "minutes": 30})
page("u-law-edge", "/", fs)
page("u-law-late", "/", fs)
track("u-law-late", "Workout Completed", fs + 7 * D)
expect("lapsed-after-week-2", "u-law-in")
expect("lapsed-after-week-2", "u-law-out", False)
expect("lapsed-after-week-2", "u-law-edge", False)
expect("lapsed-after-week-2", "u-law-late", False)

# ---- max, avg_gap, top, top_share, not_followed_by -----------------------------------------------
track("u-nc-in", "Course Progress", NOW - 50 * D, {"course": "x", "percent": 70})
track("u-nc-login", "Course Progress", NOW - 50 * D, {"course": "x", "percent": 90})
track("u-nc-login", "Logged In", NOW - 7 * D + 1)
track("u-nc-edge", "Course Progress", NOW - 50 * D, {"course": "x", "percent": 90})
track("u-nc-edge", "Logged In", NOW - 7 * D)
track("u-nc-str", "Course Progress", NOW - 50 * D, {"course": "x", "percent": "80"})
track("u-nc-str", "Course Progress", NOW - 50 * D, {"course": "x", "percent": 60})
expect("near-completers", "u-nc-in")
expect("near-completers", "u-nc-login", False)
expect("near-completers", "u-nc-edge")
expect("near-completers", "u-nc-str", False)

for user, times in (("u-wb-in", (30, 20)), ("u-wb-eq", (20, 10)), ("u-wb-one", (50,)), ("u-wb-three", (40, 30, 11))):
    for k in times:
        track(user, "Order Completed", NOW - k * D)
expect("winback-overdue", "u-wb-in")
expect("winback-overdue", "u-wb-eq", False)
expect("winback-overdue", "u-wb-one", False)
expect("winback-overdue", "u-wb-three", False)  # 11 > 29/2 = 14.5 is false

for user, topics in (("u-tf-in", ["technology"] * 6 + ["sports", "sports", "health", "travel"]),
                     ("u-tf-half", ["technology"] * 5 + ["sports", "sports", "health", "health", "travel"]),
                     ("u-tf-missing", ["technology"] * 5 + ["sports", "sports", "health", None, None])):
    for i, topic in enumerate(topics):
        props = {"article_id": f"a-{i}"}
        if topic:
            props["topic"] = topic
        track(user, "Article Read", NOW - (i + 1) * D, props)
for i in range(10):
    track("u-tf-old", "Article Read", NOW - (90 if i == 0 else i) * D, {"topic": "technology"})
expect("topic-followers", "u-tf-in")
expect("topic-followers", "u-tf-half", False)
expect("topic-followers", "u-tf-missing")
expect("topic-followers", "u-tf-old", False)

for user, feats in (("u-sm-tie", ["card_freeze", "card_freeze", "cashback", "cashback"]),
                    ("u-sm-tie2", ["cashback", "virtual_card", "virtual_card", "cashback"]),
                    ("u-sm-other", ["dashboards"] * 5 + ["activity_check"])):
    for f in feats:
        track(user, "Feature Used", NOW - D, {"feature": f})
for _ in range(3):
    track("u-sm-old", "Feature Used", NOW - 60 * D, {"feature": "card_freeze"})
track("u-sm-old", "Feature Used", NOW - D, {"feature": "fx"})
expect("security-minded", "u-sm-tie")
expect("security-minded", "u-sm-tie2", False)
expect("security-minded", "u-sm-other")
expect("security-minded", "u-sm-old", False)

track("u-ca-edge", "Product Added", NOW - 2 * H)
track("u-ca-young", "Product Added", NOW - 2 * H + 1)
track("u-ca-old", "Product Added", NOW - D)
track("u-ca-bought", "Product Added", NOW - 10 * H)
track("u-ca-bought", "Order Completed", NOW - 8 * H)
track("u-ca-same", "Product Added", NOW - 10 * H)
track("u-ca-same", "Order Completed", NOW - 10 * H)
track("u-ca-same", "Order Completed", NOW - 8 * H + 1)
track("u-ca-two", "Product Added", NOW - 10 * H)
track("u-ca-two", "Order Completed", NOW - 9 * H)
track("u-ca-two", "Product Added", NOW - 5 * H)
expect("cart-abandoners", "u-ca-edge")
expect("cart-abandoners", "u-ca-young", False)
expect("cart-abandoners", "u-ca-old", False)
expect("cart-abandoners", "u-ca-bought", False)
expect("cart-abandoners", "u-ca-same")
expect("cart-abandoners", "u-ca-two")

for user, last_order in (("u-bnb-in", NOW - 30 * D), ("u-bnb-out", NOW - 30 * D + 1)):
    track(user, "Order Completed", last_order)
    for k in (1, 2, 3):
        track(user, "Product Viewed", NOW - k * D, {"category": "shoes", "price": 89})
expect("browse-no-buy", "u-bnb-in")
expect("browse-no-buy", "u-bnb-out", False)

track("u-l90-in", "Order Completed", NOW - 90 * D)
page("u-l90-in", "/", NOW - 40 * D)
page("u-l90-in", "/", NOW - 50 * D)
page("u-l90-in", "/", NOW - 30 * D + 1)
track("u-l90-out", "Order Completed", NOW - 90 * D + 1)
page("u-l90-out", "/", NOW - 40 * D)
page("u-l90-out", "/", NOW - 50 * D)
expect("lapsed-90d", "u-l90-in")
expect("lapsed-90d", "u-l90-out", False)

for user, path in (("u-ii-in", "/learn/etf-fees"), ("u-ii-case", "/Learn/ETF-fees"), ("u-ii-dep", "/learn/etf-fees")):
    page(user, "/learn/etf-basics", NOW - D)
    page(user, path, NOW - 2 * D)
track("u-ii-dep", "Deposit Completed", NOW - 100 * D, {"amount": 100})
expect("investment-intent", "u-ii-in")
expect("investment-intent", "u-ii-case", False)
expect("investment-intent", "u-ii-dep", False)

track("u-sale-in", "Order Completed", reference.parse_instant("2025-11-20T00:00:00Z"))
track("u-sale-out", "Order Completed", reference.parse_instant("2025-12-02T00:00:00Z"))
track("u-sale-out", "Order Completed", reference.parse_instant("2025-11-19T23:59:59.999Z"))
expect("sale-shoppers", "u-sale-in")
expect("sale-shoppers", "u-sale-out", False)

# ---- streaks and periods ----------------------------------------------------------------------------
today = NOW // D * D
for user, days, lesson_today in (("u-sr-in", range(1, 51), False), ("u-sr-49", range(1, 50), False),
                                 ("u-sr-today", range(1, 51), True), ("u-sr-gap", range(2, 52), False)):
    for k in days:
        track(user, "Lesson Completed", today - k * D + 5 * H, {"course": "spanish-a1", "lesson": k})
    if lesson_today:
        track(user, "Lesson Completed", today, {"course": "spanish-a1", "lesson": 0})
expect("streak-at-risk", "u-sr-in")
expect("streak-at-risk", "u-sr-49", False)
expect("streak-at-risk", "u-sr-today", False)
expect("streak-at-risk", "u-sr-gap", False)

monday = reference.parse_instant("2026-06-29T00:00:00Z")  # the week of NOW
for user, instants in (("u-wa-in", [monday - w * 7 * D for w in range(4)]),
                       ("u-wa-prev", [monday - w * 7 * D - 1 for w in range(4)]),
                       ("u-wa-gap", [monday, monday - 7 * D, monday - 21 * D, monday - 28 * D])):
    for t in instants:
        page(user, "/app/dashboard", t)
expect("weekly-active-4", "u-wa-in")
expect("weekly-active-4", "u-wa-prev")
expect("weekly-active-4", "u-wa-gap", False)

sunday_monday = reference.parse_instant("2026-06-22T00:00:00Z")  # the week of SUNDAY
for user, counts in (("u-fc-in", [5, 5, 5]), ("u-fc-cur", [4, 5, 5, 5]), ("u-fc-out", [0, 5, 5, 4])):
    for w, n in enumerate(counts):
        for i in range(n):
            track(user, "Workout Completed", sunday_monday - w * 7 * D + i * D + 8 * H)
expect("fitness-champions", "u-fc-in", now=SUNDAY)
expect("fitness-champions", "u-fc-cur", now=SUNDAY)
expect("fitness-champions", "u-fc-out", False, now=SUNDAY)


def weekend(user, extra=()):
    for w in range(4):
        saturday = sunday_monday - w * 7 * D + 5 * D
        track(user, "Workout Completed", saturday + 9 * H)
        track(user, "Workout Completed", saturday + D + 9 * H)
    for t in extra:
        track(user, "Workout Completed", t)


weekend("u-ww-in", [reference.parse_instant("2026-05-29T10:00:00Z"), SUNDAY])
weekend("u-ww-weekday", [reference.parse_instant("2026-06-01T10:00:00Z")])
weekend("u-ww-four", [sunday_monday + 5 * D + 10 * H, sunday_monday + 5 * D + 11 * H])
expect("weekend-warriors", "u-ww-in", now=SUNDAY)
expect("weekend-warriors", "u-ww-weekday", False, now=SUNDAY)
expect("weekend-warriors", "u-ww-four", False, now=SUNDAY)
expect("weekend-warriors", "u-ww-in", False)  # on Wednesday the current week has no workouts


# ---- paying, percentile, accounts ------------------------------------------------------------------
# paying: u-merge (3 events in 30d) and the four below: values 1, 2, 3, 3, 4 (n = 5).
for user, plan, n in (("u-et-a", "pro", 1), ("u-et-b", "pro", 2), ("u-et-c", "enterprise", 3),
                      ("u-et-d", "pro", 4), ("u-et-trial", "trial", 3), ("u-et-free", "free", 10),
                      ("u-et-noplan", None, 10)):
    if plan:
        identify(user, {"plan": plan}, NOW - 200 * D)
    for k in range(n):
        page(user, "/app/dashboard", NOW - (k + 1) * D)
track("u-et-d", "Plan Upgraded", NOW - 100 * D, {"from_plan": "trial", "to_plan": "pro"})
expect("paying", "u-et-c")
expect("paying", "u-merge")
expect("paying", "u-et-trial", False)
expect("paying", "u-df-null", False)
expect("expansion-targets", "u-et-a", False)  # 20
expect("expansion-targets", "u-et-b", False)  # 40
expect("expansion-targets", "u-et-c")  # 80
expect("expansion-targets", "u-merge")  # 80
expect("expansion-targets", "u-et-d", False)  # 100, but upgraded within 120d
expect("expansion-targets", "u-et-trial")  # outside paying, ranked against it: 80
expect("expansion-targets", "u-et-free", False)
expect("expansion-targets", "u-et-noplan", False)  # missing plan: != "free" is false

for account, users in (("acct-in", (("x1", "/pricing", D, 0), ("x2", "/pricing", 14 * D - 1, 0),
                                    ("x3", "/docs/integrations/slack", 2 * D, 0))),
                       ("acct-edge", (("x4", "/pricing", D, 0), ("x5", "/pricing", 14 * D, 0),
                                      ("x6", "/docs/integrations/slack", D, 0))),
                       ("acct-late", (("x7", "/pricing", D, 0), ("x8", "/pricing", D, 0),
                                      ("x9", "/docs/integrations/salesforce", D, -2 * H)))):
    for user, path, ago, joined in users:
        group(f"{account}-{user}", account, NOW - 30 * D if joined == 0 else NOW - joined)
        page(f"{account}-{user}", path, NOW - ago)
expect("high-intent-accounts", "acct-in")
expect("high-intent-accounts", "acct-edge", False)
expect("high-intent-accounts", "acct-late", False)  # x9 joins after now


INSTANTS = [NOW, SUNDAY]


def write_jsonl(path: Path) -> None:
    """Writes the hand-built timelines as JSONL (the differential imports them into Strata too)."""
    Path(path).write_text("".join(json.dumps(m) + "\n" for m in messages))


def main() -> int:
    con = reference.connect()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "selftest.jsonl"
        write_jsonl(path)
        reference.load(con, path)
    passed = failed = 0
    names = set(reference.segment_names())
    for now in sorted({p[0] for p in probes}):
        reference.prepare(con, now)
        profiles = {r[0] for r in con.execute("SELECT profile FROM profiles").fetchall()}
        for absent in ("a-merge", "a-alias", "a-conflict", "u-late"):
            if now == NOW and absent in profiles:
                print(f"FAIL profiles: {absent} should not be a profile at {reference.format_instant(now)}")
                failed += 1
        cache: dict[str, set[str]] = {}
        for at, segment, profile, member in probes:
            if at != now:
                continue
            if segment not in names:
                print(f"FAIL {segment}: no reference query")
                failed += 1
                continue
            if segment not in cache:
                cache[segment] = set(reference.members(con, segment))
            if (profile in cache[segment]) == member:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {segment} @ {reference.format_instant(now)}: {profile} should "
                      f"{'' if member else 'not '}be a member")
    untested = names - {p[1] for p in probes}
    if untested:
        print("segments without probes: " + ", ".join(sorted(untested)))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
