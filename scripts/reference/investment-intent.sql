-- segment: investment-intent
-- where: count("Page Viewed" where path contains "/learn/etf", last 30d) >= 2 and not did("Deposit Completed")
-- contains: case-sensitive substring of a string path.
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Page Viewed' AND contains(pstr(props, 'path'), '/learn/etf')
                          AND t > now_ms() - 30 * day_ms()) AS etf_30,
        count(*) FILTER (WHERE name = 'Deposit Completed') AS deposits
    FROM events
    WHERE name IN ('Page Viewed', 'Deposit Completed')
    GROUP BY profile
)
SELECT profile FROM e
WHERE etf_30 >= 2 AND NOT deposits >= 1
ORDER BY profile;
