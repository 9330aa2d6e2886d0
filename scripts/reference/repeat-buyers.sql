-- segment: repeat-buyers
-- where: count("Order Completed") >= 2
SELECT profile FROM events WHERE name = 'Order Completed'
GROUP BY profile HAVING count(*) >= 2
ORDER BY profile;
