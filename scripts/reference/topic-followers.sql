-- segment: topic-followers
-- where: top_share("Article Read", topic, last 90d) >= 0.6 and count("Article Read", last 90d) >= 10
-- top_share = events carrying the top topic / events carrying a topic (events without the
-- property are skipped); missing when none carries it. count counts every "Article Read".
WITH reads AS (
    SELECT profile, pval(props, 'topic') AS topic FROM events
    WHERE name = 'Article Read' AND t > now_ms() - 90 * day_ms()
),
per_topic AS (
    SELECT profile, topic, count(*) AS n FROM reads WHERE topic IS NOT NULL GROUP BY ALL
),
share AS (
    SELECT profile, CAST(max(n) AS DOUBLE) / sum(n) AS top_share FROM per_topic GROUP BY profile
),
total AS (SELECT profile, count(*) AS reads FROM reads GROUP BY profile)
SELECT profile
FROM total JOIN share USING (profile)
WHERE top_share >= 0.6 AND reads >= 10
ORDER BY profile;
