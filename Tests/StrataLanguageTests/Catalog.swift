import StrataLanguage

/// Every definition of CATALOG.md: name, profile kind and `where`.
let catalog: [(name: String, of: ProfileKind, where: String)] = [
    (
        "high-intent-buyers", .users,
        "did(\"Core Feature Used\") and sum(\"Session Ended\", duration_hours, this month) >= 15 and (did(\"Demo Attended\", last 30d) or did(\"Trial Extension Requested\", last 30d))"
    ),
    (
        "at-risk-users", .users,
        "count(\"Logged In\", last 30d) <= 0.4 * count(\"Logged In\", from 60d ago to 30d ago) or (did(\"Core Feature Used\", before 30d ago) and not did(\"Core Feature Used\", last 30d))"
    ),
    (
        "expansion-targets", .users,
        "trait.plan != \"free\" and percentile(count(any, last 30d), among: \"paying\") >= 75 and not did(\"Plan Upgraded\", last 120d)"
    ),
    (
        "trial-activated", .users,
        "trait.plan = \"trial\" and count(\"Document Created\") >= 5 and did(\"Teammate Invited\") and sum(\"Session Ended\", duration_hours) >= 8"
    ),
    ("dormant-free", .users, "trait.plan = \"free\" and not did(any, last 60d) and count(\"Core Feature Used\") <= 1"),
    ("feature-abandoners", .users, "did(\"Report Run\", before 7d ago) and not did(\"Report Run\", last 7d)"),
    ("onboarding-halfway", .users, "count_distinct(\"Onboarding Step Completed\", step) / 8 >= 0.5"),
    ("high-engagement-week", .users, "count(\"Workflow Completed\", last 7d) >= 3"),
    ("inactive-21d", .users, "did(any) and not did(\"Logged In\", last 21d)"),
    ("deep-users", .users, "count_distinct(\"Feature Used\", feature, last 30d) >= 0.8 * 10"),
    ("new-adopters-api", .users, "first_time(\"API Connected\") > now - 30d"),
    (
        "opened-not-clicked", .users,
        "did(\"Email Opened\" where campaign = \"analytics\", last 14d) and not did(\"Email Link Clicked\" where campaign = \"analytics\" and link = \"demo\", last 14d)"
    ),
    ("expansion-no-premium", .users, "score.expansion >= 70 and not did(\"Premium Feature Used\", last 30d)"),
    ("churn-winback", .users, "score.churn-risk > 70 and not did(any, last 10d)"),
    ("conversion-demo", .users, "score.conversion between 40 and 60 and did(\"Demo Attended\")"),
    (
        "manufacturing-expansion", .users,
        "score.expansion >= 70 and trait.industry = \"manufacturing\" and trait.employees between 50 and 500"
    ),
    (
        "single-user-trialists", .users,
        "trait.plan = \"trial\" and not did(\"Teammate Invited\", first 7d) and count(\"Document Created\") < 2"
    ),
    (
        "dormant-signups", .users,
        "days_since_first(any) > 14 and count(\"Session Started\") < 3 and not did(\"Payment Succeeded\")"
    ),
    ("weekly-active-4", .users, "streak(week, did(any)) >= 4"),
    (
        "activated-3-features-week1", .users,
        "count_distinct(\"Feature Used\", feature, first 7d after \"Trial Started\") >= 3"
    ),
    ("cart-abandoners", .users, "not_followed_by(\"Product Added\", \"Order Completed\", within: 2h, last 1d)"),
    ("first-time-buyers", .users, "count(\"Order Completed\") = 1"),
    ("repeat-buyers", .users, "count(\"Order Completed\") >= 2"),
    ("frequent-buyers", .users, "count(\"Order Completed\", last 90d) >= 4"),
    (
        "browse-no-buy", .users,
        "count(\"Product Viewed\" where category = \"shoes\", last 7d) >= 3 and not did(\"Order Completed\", last 30d)"
    ),
    ("winback-overdue", .users, "days_since(\"Order Completed\") > avg_gap(\"Order Completed\")"),
    (
        "lapsed-90d", .users,
        "did(\"Order Completed\") and not did(\"Order Completed\", last 90d) and count(any, last 30d) < count(any, from 60d ago to 30d ago)"
    ),
    ("sale-shoppers", .users, "did(\"Order Completed\", from 2025-11-20 to 2025-12-02)"),
    (
        "security-minded", .users,
        "top(\"Feature Used\" where feature in [\"card_freeze\", \"activity_check\", \"virtual_card\", \"cashback\", \"fx\"], feature, last 60d) in [\"card_freeze\", \"activity_check\", \"virtual_card\"]"
    ),
    (
        "investment-intent", .users,
        "count(\"Page Viewed\" where path contains \"/learn/etf\", last 30d) >= 2 and not did(\"Deposit Completed\")"
    ),
    ("pricing-intent", .users, "count(\"Page Viewed\" where path = \"/pricing\", last 7d) >= 3"),
    ("paywall-3x", .users, "count(\"Paywall Hit\", last 30d) >= 3 and trait.subscriber != true"),
    (
        "topic-followers", .users,
        "top_share(\"Article Read\", topic, last 90d) >= 0.6 and count(\"Article Read\", last 90d) >= 10"
    ),
    ("inactive-subscribers", .users, "trait.subscriber = true and not did(any, last 30d)"),
    ("near-completers", .users, "max(\"Course Progress\", percent) >= 70 and not did(\"Logged In\", last 7d)"),
    ("no-first-lesson", .users, "days_since_first(any) >= 1 and not did(\"Lesson Completed\", first 1d)"),
    (
        "streak-at-risk", .users,
        "streak(day, did(\"Lesson Completed\")) >= 50 and not did(\"Lesson Completed\", this day)"
    ),
    ("fitness-champions", .users, "streak(week, count(\"Workout Completed\") >= 5) >= 3"),
    (
        "weekend-warriors", .users,
        "count_periods(week, count(\"Workout Completed\") between 2 and 3, 4) = 4 and share(\"Workout Completed\" where $weekday in [\"sat\", \"sun\"], of: \"Workout Completed\", last 4w) = 1"
    ),
    (
        "lapsed-after-week-2", .users,
        "did(\"Workout Completed\", first 7d) and (not did(\"Workout Completed\", from 7d to 14d after first_seen) or not did(\"Workout Completed\", from 14d to 21d after first_seen))"
    ),
    ("active-collaborators", .accounts, "streak(week, count_distinct(\"Document Edited\", $user) >= 3) >= 2"),
    (
        "high-intent-accounts", .accounts,
        "count_users(did(\"Page Viewed\" where path = \"/pricing\", last 14d)) >= 2 and count_users(did(\"Page Viewed\" where path contains \"/docs/integrations\", last 14d)) >= 1"
    ),
]
