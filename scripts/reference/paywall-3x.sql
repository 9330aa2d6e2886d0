-- segment: paywall-3x
-- where: count("Paywall Hit", last 30d) >= 3 and trait.subscriber != true
-- A missing or non-boolean subscriber trait makes `!= true` false (comparison with missing, or
-- mixed types), so only subscriber = false qualifies.
WITH e AS (
    SELECT profile, count(*) AS hits FROM events
    WHERE name = 'Paywall Hit' AND t > now_ms() - 30 * day_ms()
    GROUP BY profile
),
sub AS (SELECT profile, jbool(value) AS subscriber FROM traits WHERE key = 'subscriber')
SELECT profile
FROM e LEFT JOIN sub USING (profile)
WHERE hits >= 3 AND subscriber <> true
ORDER BY profile;
