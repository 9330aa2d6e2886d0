-- segment: activated-3-features-week1
-- where: count_distinct("Feature Used", feature, first 7d after "Trial Started") >= 3
-- The window is [t0, t0 + 7d) with t0 the profile's first "Trial Started" (at or before now);
-- empty when there is none.
WITH anchor AS (
    SELECT profile, min(t) AS t0 FROM events WHERE name = 'Trial Started' GROUP BY profile
),
e AS (
    SELECT profile, count(DISTINCT pval(props, 'feature')) AS features
    FROM events JOIN anchor USING (profile)
    WHERE name = 'Feature Used' AND t >= t0 AND t < t0 + 7 * day_ms()
    GROUP BY profile
)
SELECT profile FROM e WHERE features >= 3 ORDER BY profile;
