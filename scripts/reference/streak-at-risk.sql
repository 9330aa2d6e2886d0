-- segment: streak-at-risk
-- where: streak(day, did("Lesson Completed")) >= 50 and not did("Lesson Completed", this day)
-- UTC days. With no lesson today the current day does not count and the streak is the run of
-- consecutive lesson days ending yesterday.
WITH days AS (
    SELECT DISTINCT profile, t // day_ms() AS day FROM events WHERE name = 'Lesson Completed'
),
islands AS (
    SELECT profile, day, day - row_number() OVER (PARTITION BY profile ORDER BY day) AS island FROM days
),
today AS (SELECT now_ms() // day_ms() AS day),
state AS (
    SELECT p.profile,
           EXISTS (SELECT 1 FROM days d WHERE d.profile = p.profile AND d.day = c.day) AS lesson_today,
           c.day AS today
    FROM (SELECT DISTINCT profile FROM days) p, today c
),
streaks AS (
    SELECT s.profile, s.lesson_today,
           (CASE WHEN s.lesson_today THEN s.today ELSE s.today - 1 END) - min(i2.day) + 1 AS streak
    FROM state s
    JOIN islands i1 ON i1.profile = s.profile
                   AND i1.day = CASE WHEN s.lesson_today THEN s.today ELSE s.today - 1 END
    JOIN islands i2 ON i2.profile = s.profile AND i2.island = i1.island
    GROUP BY s.profile, s.lesson_today, s.today
)
SELECT profile FROM streaks
WHERE streak >= 50 AND NOT lesson_today
ORDER BY profile;
