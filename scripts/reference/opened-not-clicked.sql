-- segment: opened-not-clicked
-- where: did("Email Opened" where campaign = "analytics", last 14d) and not did("Email Link Clicked" where campaign = "analytics" and link = "demo", last 14d)
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Email Opened' AND pstr(props, 'campaign') = 'analytics') AS opened,
        count(*) FILTER (WHERE name = 'Email Link Clicked' AND pstr(props, 'campaign') = 'analytics'
                                                           AND pstr(props, 'link') = 'demo') AS clicked
    FROM events
    WHERE name IN ('Email Opened', 'Email Link Clicked') AND t > now_ms() - 14 * day_ms()
    GROUP BY profile
)
SELECT profile
FROM profiles LEFT JOIN e USING (profile)
WHERE coalesce(opened, 0) >= 1 AND NOT coalesce(clicked, 0) >= 1
ORDER BY profile;
