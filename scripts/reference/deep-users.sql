-- segment: deep-users
-- where: count_distinct("Feature Used", feature, last 30d) >= 0.8 * 10
WITH e AS (
    SELECT profile, count(DISTINCT pval(props, 'feature')) AS features
    FROM events
    WHERE name = 'Feature Used' AND t > now_ms() - 30 * day_ms()
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE CAST(coalesce(features, 0) AS DOUBLE) >= CAST(0.8 AS DOUBLE) * 10
ORDER BY profile;
