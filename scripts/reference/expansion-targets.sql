-- segment: expansion-targets
-- where: trait.plan != "free" and percentile(count(any, last 30d), among: "paying") >= 75 and not did("Plan Upgraded", last 120d)
-- percentile(X, among: S) = 100 x (members of S whose X <= this profile's X) / (members of S);
-- a profile outside S is ranked against S all the same; missing when S is empty. X (a count) is
-- never missing. paying = trait.plan in ["pro", "enterprise"].
-- 100 * k / n >= 75 is compared exactly as 100 * k >= 75 * n.
WITH plan AS (SELECT profile, jstr(value) AS plan FROM traits WHERE key = 'plan'),
activity AS (
    SELECT profile, coalesce(n, 0) AS x
    FROM profiles LEFT JOIN (
        SELECT profile, count(*) AS n FROM events WHERE t > now_ms() - 30 * day_ms() GROUP BY profile
    ) USING (profile)
),
paying AS (
    SELECT a.x FROM activity a JOIN plan USING (profile) WHERE plan IN ('pro', 'enterprise')
),
upgrades AS (
    SELECT DISTINCT profile FROM events WHERE name = 'Plan Upgraded' AND t > now_ms() - 120 * day_ms()
),
dist AS (SELECT x, count(*) AS c FROM paying GROUP BY x),
cumulative AS (SELECT x, sum(c) OVER (ORDER BY x) AS at_or_below FROM dist),
ranked AS (
    SELECT a.profile, coalesce(c.at_or_below, 0) AS at_or_below, (SELECT count(*) FROM paying) AS population
    FROM activity a ASOF LEFT JOIN cumulative c ON a.x >= c.x
)
SELECT profile
FROM ranked JOIN plan USING (profile)
WHERE plan <> 'free'
  AND population > 0
  AND 100 * at_or_below >= 75 * population
  AND profile NOT IN (SELECT profile FROM upgrades)
ORDER BY profile;
