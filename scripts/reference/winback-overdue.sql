-- segment: winback-overdue
-- where: days_since("Order Completed") > avg_gap("Order Completed")
-- days_since = (now - last) / 1d; avg_gap = (last - first) / (n - 1) / 1d, missing under 2
-- orders. Compared exactly, in integer milliseconds: (now - last) * (n - 1) > last - first.
SELECT profile FROM events
WHERE name = 'Order Completed'
GROUP BY profile
HAVING count(*) >= 2
   AND (now_ms() - max(t)) * (count(*) - 1) > max(t) - min(t)
ORDER BY profile;
