-- segment: high-engagement-week
-- where: count("Workflow Completed", last 7d) >= 3
SELECT profile
FROM events
WHERE name = 'Workflow Completed' AND t > now_ms() - 7 * day_ms()
GROUP BY profile
HAVING count(*) >= 3
ORDER BY profile;
