-- segment: at-risk-users
-- where: count("Logged In", last 30d) <= 0.4 * count("Logged In", from 60d ago to 30d ago) or (did("Core Feature Used", before 30d ago) and not did("Core Feature Used", last 30d))
-- Numbers are 64-bit floats: 0.4 * n is a DOUBLE product. A profile with no logins at all has
-- 0 <= 0.4 * 0, so it is a member (identify-only profiles included).
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Logged In' AND t > now_ms() - 30 * day_ms()) AS logins_30,
        count(*) FILTER (WHERE name = 'Logged In' AND t > now_ms() - 60 * day_ms()
                                                  AND t <= now_ms() - 30 * day_ms()) AS logins_60_30,
        count(*) FILTER (WHERE name = 'Core Feature Used' AND t <= now_ms() - 30 * day_ms()) AS core_before_30,
        count(*) FILTER (WHERE name = 'Core Feature Used' AND t > now_ms() - 30 * day_ms()) AS core_30
    FROM events
    WHERE name IN ('Logged In', 'Core Feature Used')
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE CAST(coalesce(logins_30, 0) AS DOUBLE) <= CAST(0.4 AS DOUBLE) * CAST(coalesce(logins_60_30, 0) AS DOUBLE)
   OR (coalesce(core_before_30, 0) >= 1 AND NOT coalesce(core_30, 0) >= 1)
ORDER BY profile;
