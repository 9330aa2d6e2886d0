-- segment: lapsed-after-week-2
-- where: did("Workout Completed", first 7d) and (not did("Workout Completed", from 7d to 14d after first_seen) or not did("Workout Completed", from 14d to 21d after first_seen))
-- first_seen: the profile's first track/page/screen event. Windows are half-open:
-- [first_seen, +7d), [+7d, +14d), [+14d, +21d); events after now do not exist.
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE t >= first_seen AND t < first_seen + 7 * day_ms()) AS w1,
        count(*) FILTER (WHERE t >= first_seen + 7 * day_ms() AND t < first_seen + 14 * day_ms()) AS w2,
        count(*) FILTER (WHERE t >= first_seen + 14 * day_ms() AND t < first_seen + 21 * day_ms()) AS w3
    FROM events JOIN seen USING (profile)
    WHERE name = 'Workout Completed'
    GROUP BY profile
)
SELECT profile FROM e
WHERE w1 >= 1 AND (NOT w2 >= 1 OR NOT w3 >= 1)
ORDER BY profile;
