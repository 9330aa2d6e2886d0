-- segment: frequent-buyers
-- where: count("Order Completed", last 90d) >= 4
SELECT profile FROM events
WHERE name = 'Order Completed' AND t > now_ms() - 90 * day_ms()
GROUP BY profile HAVING count(*) >= 4
ORDER BY profile;
