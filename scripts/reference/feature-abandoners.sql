-- segment: feature-abandoners
-- where: did("Report Run", before 7d ago) and not did("Report Run", last 7d)
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE t <= now_ms() - 7 * day_ms()) AS before_7,
        count(*) FILTER (WHERE t > now_ms() - 7 * day_ms()) AS last_7
    FROM events
    WHERE name = 'Report Run'
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE coalesce(before_7, 0) >= 1 AND NOT coalesce(last_7, 0) >= 1
ORDER BY profile;
