-- segment: weekend-warriors
-- where: count_periods(week, count("Workout Completed") between 2 and 3, 4) = 4 and share("Workout Completed" where $weekday in ["sat", "sun"], of: "Workout Completed", last 4w) = 1
-- count_periods: of the 4 calendar weeks ending with the current one ([start, now]), how many
-- have 2 to 3 workouts. share: weekend workouts / all workouts in the last 28 days (a rolling
-- window, not the calendar weeks); missing (so false) without workouts. $weekday in UTC.
WITH current AS (SELECT (now_ms() // day_ms() + 3) // 7 AS week),
per_week AS (
    SELECT profile, (t // day_ms() + 3) // 7 AS week, count(*) AS n
    FROM events, current c
    WHERE name = 'Workout Completed' AND (t // day_ms() + 3) // 7 BETWEEN c.week - 3 AND c.week
    GROUP BY ALL
),
periods AS (
    SELECT profile, count(*) FILTER (WHERE n BETWEEN 2 AND 3) AS good_weeks FROM per_week GROUP BY profile
),
share AS (
    SELECT profile,
           CAST(count(*) FILTER (WHERE isodow(epoch_ms(t)) IN (6, 7)) AS DOUBLE) / count(*) AS weekend_share
    FROM events
    WHERE name = 'Workout Completed' AND t > now_ms() - 28 * day_ms()
    GROUP BY profile
)
SELECT profile FROM periods JOIN share USING (profile)
WHERE good_weeks = 4 AND weekend_share = 1
ORDER BY profile;
