-- segment: single-user-trialists
-- where: trait.plan = "trial" and not did("Teammate Invited", first 7d) and count("Document Created") < 2
-- first 7d: first_seen <= t < first_seen + 7d; empty when the profile has no event.
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Teammate Invited'
                          AND t >= first_seen AND t < first_seen + 7 * day_ms()) AS invites_first_7,
        count(*) FILTER (WHERE name = 'Document Created') AS docs
    FROM events JOIN seen USING (profile)
    WHERE name IN ('Teammate Invited', 'Document Created')
    GROUP BY profile
),
plan AS (SELECT profile, jstr(value) AS plan FROM traits WHERE key = 'plan')
SELECT profile
FROM profiles LEFT JOIN e USING (profile) LEFT JOIN plan USING (profile)
WHERE plan = 'trial'
  AND NOT coalesce(invites_first_7, 0) >= 1
  AND coalesce(docs, 0) < 2
ORDER BY profile;
