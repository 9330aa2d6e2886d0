-- segment: new-adopters-api
-- where: first_time("API Connected") > now - 30d
-- first_time over nothing is missing, and a comparison with missing is false.
SELECT profile
FROM events
WHERE name = 'API Connected'
GROUP BY profile
HAVING min(t) > now_ms() - 30 * day_ms()
ORDER BY profile;
