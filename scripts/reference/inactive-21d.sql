-- segment: inactive-21d
-- where: did(any) and not did("Logged In", last 21d)
-- `any` is every track, page and screen event.
WITH e AS (
    SELECT
        profile,
        count(*) AS any_all,
        count(*) FILTER (WHERE name = 'Logged In' AND t > now_ms() - 21 * day_ms()) AS logins_21
    FROM events
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE coalesce(any_all, 0) >= 1 AND NOT coalesce(logins_21, 0) >= 1
ORDER BY profile;
