-- segment: inactive-subscribers
-- where: trait.subscriber = true and not did(any, last 30d)
WITH sub AS (SELECT profile, jbool(value) AS subscriber FROM traits WHERE key = 'subscriber'),
recent AS (SELECT DISTINCT profile FROM events WHERE t > now_ms() - 30 * day_ms())
SELECT profile FROM sub
WHERE subscriber = true AND profile NOT IN (SELECT profile FROM recent)
ORDER BY profile;
