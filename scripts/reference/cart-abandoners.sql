-- segment: cart-abandoners
-- where: not_followed_by("Product Added", "Order Completed", within: 2h, last 1d)
-- Some "Product Added" a with now - 1d < a <= now and a + 2h <= now, and no "Order Completed" b
-- with a < b <= a + 2h. Only A is restricted by the window.
WITH adds AS (
    SELECT profile, t AS a FROM events
    WHERE name = 'Product Added'
      AND t > now_ms() - day_ms()
      AND t + 2 * 3600000 <= now_ms()
),
orders AS (
    SELECT profile, t AS b FROM events WHERE name = 'Order Completed'
)
SELECT DISTINCT profile
FROM adds
WHERE NOT EXISTS (
    SELECT 1 FROM orders o
    WHERE o.profile = adds.profile AND o.b > adds.a AND o.b <= adds.a + 2 * 3600000
)
ORDER BY profile;
