-- segment: high-intent-accounts
-- where: count_users(did("Page Viewed" where path = "/pricing", last 14d)) >= 2 and count_users(did("Page Viewed" where path contains "/docs/integrations", last 14d)) >= 1
-- of: accounts. An account is a groupId with a group call at or before now; its users are the
-- profiles that sent a group call with that groupId at or before now (a user linked to several
-- accounts counts in each). Member ids are groupIds.
WITH account_users AS (
    SELECT DISTINCT mp.groupId AS account, mp.profile
    FROM mp WHERE type = 'group' AND groupId IS NOT NULL
),
user_flags AS (
    SELECT
        profile,
        count(*) FILTER (WHERE pstr(props, 'path') = '/pricing') >= 1 AS pricing,
        count(*) FILTER (WHERE contains(pstr(props, 'path'), '/docs/integrations')) >= 1 AS integrations
    FROM events
    WHERE name = 'Page Viewed' AND t > now_ms() - 14 * day_ms()
    GROUP BY profile
)
SELECT account AS profile
FROM account_users LEFT JOIN user_flags USING (profile)
GROUP BY account
HAVING count(*) FILTER (WHERE pricing) >= 2 AND count(*) FILTER (WHERE integrations) >= 1
ORDER BY account;
