-- segment: weekly-active-4
-- where: streak(week, did(any)) >= 4
-- Weeks start Monday 00:00 UTC; week index = (day number + 3) div 7 (1970-01-01 was a Thursday).
-- The current week [start, now] counts when the condition already holds in it, else counting
-- starts with the previous week; it stops at the first week where the condition is false (it
-- never passes the week holding first_seen, which the condition cannot pass anyway: no events
-- before first_seen).
WITH weeks AS (
    SELECT DISTINCT profile, (t // day_ms() + 3) // 7 AS week FROM events
),
islands AS (
    SELECT profile, week, week - row_number() OVER (PARTITION BY profile ORDER BY week) AS island
    FROM weeks
),
current AS (SELECT (now_ms() // day_ms() + 3) // 7 AS week),
start AS (
    SELECT p.profile,
           CASE WHEN EXISTS (SELECT 1 FROM weeks w WHERE w.profile = p.profile AND w.week = c.week)
                THEN c.week ELSE c.week - 1 END AS start_week
    FROM (SELECT DISTINCT profile FROM weeks) p, current c
),
streaks AS (
    SELECT s.profile, s.start_week - min(i2.week) + 1 AS streak
    FROM start s
    JOIN islands i1 ON i1.profile = s.profile AND i1.week = s.start_week
    JOIN islands i2 ON i2.profile = s.profile AND i2.island = i1.island
    GROUP BY s.profile, s.start_week
)
SELECT profile FROM streaks WHERE streak >= 4 ORDER BY profile;
