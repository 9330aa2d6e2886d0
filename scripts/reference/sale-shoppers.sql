-- segment: sale-shoppers
-- where: did("Order Completed", from 2025-11-20 to 2025-12-02)
-- [2025-11-20T00:00Z, 2025-12-02T00:00Z) (dates are midnight in the workspace zone, UTC).
SELECT DISTINCT profile FROM events
WHERE name = 'Order Completed'
  AND t >= epoch_ms(TIMESTAMP '2025-11-20 00:00:00')
  AND t < epoch_ms(TIMESTAMP '2025-12-02 00:00:00')
ORDER BY profile;
