-- segment: onboarding-halfway
-- where: count_distinct("Onboarding Step Completed", step) / 8 >= 0.5
-- count_distinct skips events without the property; 1 and 1.0 are one value.
WITH e AS (
    SELECT profile, count(DISTINCT pval(props, 'step')) AS steps
    FROM events
    WHERE name = 'Onboarding Step Completed'
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE CAST(coalesce(steps, 0) AS DOUBLE) / 8 >= 0.5
ORDER BY profile;
