-- segment: high-intent-buyers
-- where: did("Core Feature Used") and sum("Session Ended", duration_hours, this month) >= 15 and (did("Demo Attended", last 30d) or did("Trial Extension Requested", last 30d))
-- this month: [first instant of the UTC calendar month holding now, now].
WITH bounds AS (
    SELECT epoch_ms(date_trunc('month', epoch_ms(now_ms()))) AS month_start
),
e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Core Feature Used') AS core,
        coalesce(fsum(pnum(props, 'duration_hours'))
                     FILTER (WHERE name = 'Session Ended' AND t >= month_start), 0) AS hours_month,
        count(*) FILTER (WHERE name IN ('Demo Attended', 'Trial Extension Requested')
                          AND t > now_ms() - 30 * day_ms()) AS intent_30
    FROM events, bounds
    WHERE name IN ('Core Feature Used', 'Session Ended', 'Demo Attended', 'Trial Extension Requested')
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE coalesce(core, 0) >= 1
  AND coalesce(hours_month, 0) >= 15
  AND coalesce(intent_30, 0) >= 1
ORDER BY profile;
