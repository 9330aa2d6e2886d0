-- segment: no-first-lesson
-- where: days_since_first(any) >= 1 and not did("Lesson Completed", first 1d)
-- days_since_first(any) >= 1 <=> now - first_seen >= 1d (exact, integer ms);
-- first 1d = [first_seen, first_seen + 1d).
WITH lessons AS (
    SELECT DISTINCT profile FROM events JOIN seen USING (profile)
    WHERE name = 'Lesson Completed' AND t >= first_seen AND t < first_seen + day_ms()
)
SELECT profile FROM seen
WHERE now_ms() - first_seen >= day_ms()
  AND profile NOT IN (SELECT profile FROM lessons)
ORDER BY profile;
