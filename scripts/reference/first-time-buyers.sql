-- segment: first-time-buyers
-- where: count("Order Completed") = 1
SELECT profile FROM events WHERE name = 'Order Completed'
GROUP BY profile HAVING count(*) = 1
ORDER BY profile;
