-- segment: lapsed-90d
-- where: did("Order Completed") and not did("Order Completed", last 90d) and count(any, last 30d) < count(any, from 60d ago to 30d ago)
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Order Completed') AS orders,
        count(*) FILTER (WHERE name = 'Order Completed' AND t > now_ms() - 90 * day_ms()) AS orders_90,
        count(*) FILTER (WHERE t > now_ms() - 30 * day_ms()) AS any_30,
        count(*) FILTER (WHERE t > now_ms() - 60 * day_ms() AND t <= now_ms() - 30 * day_ms()) AS any_60_30
    FROM events
    GROUP BY profile
)
SELECT profile FROM e
WHERE orders >= 1 AND NOT orders_90 >= 1 AND any_30 < any_60_30
ORDER BY profile;
