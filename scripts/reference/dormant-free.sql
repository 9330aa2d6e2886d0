-- segment: dormant-free
-- where: trait.plan = "free" and not did(any, last 60d) and count("Core Feature Used") <= 1
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE t > now_ms() - 60 * day_ms()) AS any_60,
        count(*) FILTER (WHERE name = 'Core Feature Used') AS core
    FROM events
    GROUP BY profile
),
plan AS (SELECT profile, jstr(value) AS plan FROM traits WHERE key = 'plan')
SELECT profile
FROM profiles LEFT JOIN e USING (profile) LEFT JOIN plan USING (profile)
WHERE plan = 'free'
  AND NOT coalesce(any_60, 0) >= 1
  AND coalesce(core, 0) <= 1
ORDER BY profile;
