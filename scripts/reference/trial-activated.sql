-- segment: trial-activated
-- where: trait.plan = "trial" and count("Document Created") >= 5 and did("Teammate Invited") and sum("Session Ended", duration_hours) >= 8
-- sum skips events whose duration_hours is absent or not a number; fsum sums the DOUBLE values
-- with compensation (a naive float sum could differ only on an exact tie at 8).
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Document Created') AS docs,
        count(*) FILTER (WHERE name = 'Teammate Invited') AS invites,
        coalesce(fsum(pnum(props, 'duration_hours')) FILTER (WHERE name = 'Session Ended'), 0) AS hours
    FROM events
    WHERE name IN ('Document Created', 'Teammate Invited', 'Session Ended')
    GROUP BY profile
),
plan AS (SELECT profile, jstr(value) AS plan FROM traits WHERE key = 'plan')
SELECT profile
FROM profiles LEFT JOIN e USING (profile) LEFT JOIN plan USING (profile)
WHERE plan = 'trial'
  AND coalesce(docs, 0) >= 5
  AND coalesce(invites, 0) >= 1
  AND coalesce(hours, 0) >= 8
ORDER BY profile;
