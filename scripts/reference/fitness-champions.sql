-- segment: fitness-champions
-- where: streak(week, count("Workout Completed") >= 5) >= 3
-- Weeks start Monday 00:00 UTC. The current week [start, now] counts when it already has 5
-- workouts, else counting starts with the previous week.
WITH weeks AS (
    SELECT profile, (t // day_ms() + 3) // 7 AS week FROM events
    WHERE name = 'Workout Completed'
    GROUP BY ALL HAVING count(*) >= 5
),
islands AS (
    SELECT profile, week, week - row_number() OVER (PARTITION BY profile ORDER BY week) AS island FROM weeks
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
SELECT profile FROM streaks WHERE streak >= 3 ORDER BY profile;
