-- segment: near-completers
-- where: max("Course Progress", percent) >= 70 and not did("Logged In", last 7d)
-- max skips events whose percent is absent or not a number; missing over nothing (so false).
WITH e AS (
    SELECT
        profile,
        max(pnum(props, 'percent')) FILTER (WHERE name = 'Course Progress') AS max_percent,
        count(*) FILTER (WHERE name = 'Logged In' AND t > now_ms() - 7 * day_ms()) AS logins_7
    FROM events
    WHERE name IN ('Course Progress', 'Logged In')
    GROUP BY profile
)
SELECT profile FROM e
WHERE max_percent >= 70 AND NOT logins_7 >= 1
ORDER BY profile;
