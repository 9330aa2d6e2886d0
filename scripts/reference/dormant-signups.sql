-- segment: dormant-signups
-- where: days_since_first(any) > 14 and count("Session Started") < 3 and not did("Payment Succeeded")
-- days_since_first(any) = (now - first_seen) in days; missing (so false) without events.
-- (now - first) / 1d > 14 is compared exactly as now - first > 14d, in integer milliseconds.
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Session Started') AS sessions,
        count(*) FILTER (WHERE name = 'Payment Succeeded') AS payments
    FROM events
    WHERE name IN ('Session Started', 'Payment Succeeded')
    GROUP BY profile
)
SELECT profile
FROM seen LEFT JOIN e USING (profile)
WHERE now_ms() - first_seen > 14 * day_ms()
  AND coalesce(sessions, 0) < 3
  AND NOT coalesce(payments, 0) >= 1
ORDER BY profile;
