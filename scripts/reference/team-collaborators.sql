-- segment: team-collaborators
-- where: did("Teammate Invited") and count("Document Edited", last 30d) >= 3
-- last 30d: now - 30d < t <= now.
WITH e AS (
    SELECT
        profile,
        count(*) FILTER (WHERE name = 'Teammate Invited') AS invites,
        count(*) FILTER (WHERE name = 'Document Edited' AND t > now_ms() - 30 * day_ms()) AS edits_30
    FROM events
    WHERE name IN ('Teammate Invited', 'Document Edited')
    GROUP BY profile
)
SELECT profile
FROM e
WHERE invites >= 1 AND edits_30 >= 3
ORDER BY profile;
