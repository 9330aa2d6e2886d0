-- segment: pricing-intent
-- where: count("Page Viewed" where path = "/pricing", last 7d) >= 3
SELECT profile FROM events
WHERE name = 'Page Viewed' AND pstr(props, 'path') = '/pricing' AND t > now_ms() - 7 * day_ms()
GROUP BY profile HAVING count(*) >= 3
ORDER BY profile;
