-- segment: security-minded
-- where: top("Feature Used" where feature in ["card_freeze", "activity_check", "virtual_card", "cashback", "fx"], feature, last 60d) in ["card_freeze", "activity_check", "virtual_card"]
-- top = the most frequent value; ties go to the smallest value in byte order.
WITH counts AS (
    SELECT profile, pstr(props, 'feature') AS feature, count(*) AS n
    FROM events
    WHERE name = 'Feature Used'
      AND t > now_ms() - 60 * day_ms()
      AND pstr(props, 'feature') IN ('card_freeze', 'activity_check', 'virtual_card', 'cashback', 'fx')
    GROUP BY ALL
),
top AS (
    SELECT profile, feature FROM counts
    QUALIFY row_number() OVER (PARTITION BY profile ORDER BY n DESC, feature ASC) = 1
)
SELECT profile FROM top
WHERE feature IN ('card_freeze', 'activity_check', 'virtual_card')
ORDER BY profile;
