-- segment: browse-no-buy
-- where: count("Product Viewed" where category = "shoes", last 7d) >= 3 and not did("Order Completed", last 30d)
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Product Viewed' AND pstr(props, 'category') = 'shoes'
                          AND t > now_ms() - 7 * day_ms()) AS shoes_7,
        count(*) FILTER (WHERE name = 'Order Completed' AND t > now_ms() - 30 * day_ms()) AS orders_30
    FROM events
    WHERE name IN ('Product Viewed', 'Order Completed')
    GROUP BY profile
)
SELECT profile FROM e
WHERE shoes_7 >= 3 AND NOT orders_30 >= 1
ORDER BY profile;
