-- Strata differential reference: the shared prelude.
--
-- Written by hand from docs (LANGUAGE.md sections 2, 5, 6 and 8), not from Strata's engine.
--
-- Needs:
--   * a table `messages` holding the JSONL messages in file order, rowid = line (see _load.sql), and
--   * the variable `now`: the evaluation instant in epoch milliseconds
--     (SET VARIABLE now = 1782864000000;).
-- Builds, as temporary tables:
--   m         deduplicated messages (first occurrence of each messageId), time <= now
--   links     anonymous id -> user id (earliest link by time, then file order, wins)
--   mp        m with the profile each message belongs to (group calls carry groupId)
--   profiles  every profile with a message at or before now
--   events    track / page / screen events: profile, name, t (epoch ms), props (JSON)
--   seen      first_seen / last_seen per profile (track, page, screen only)
--   traits    latest identify trait per (profile, key); null-valued traits are dropped
-- and macros (now_ms, day_ms, pstr, pnum, pval, jstr, jnum, jbool) used by the segment files.
-- Event time and windows are integers (epoch ms): no rounding anywhere.

SET TimeZone = 'UTC';

CREATE OR REPLACE TEMP MACRO now_ms() AS CAST(getvariable('now') AS BIGINT);
CREATE OR REPLACE TEMP MACRO day_ms() AS CAST(86400000 AS BIGINT);

-- JSON path of a top-level key, quoted so any key works.
CREATE OR REPLACE TEMP MACRO jpath(k) AS '$."' || replace(k, '"', '\"') || '"';

-- A string / number / bool JSON value, or NULL when the value is missing or of another type
-- (comparisons with missing or mixed types are false: NULL makes them so).
CREATE OR REPLACE TEMP MACRO jstr(v) AS
    CASE WHEN json_type(v) = 'VARCHAR' THEN json_extract_string(v, '$') END;
CREATE OR REPLACE TEMP MACRO jnum(v) AS
    CASE WHEN json_type(v) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT') THEN CAST(json_extract_string(v, '$') AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO jbool(v) AS
    CASE WHEN json_type(v) = 'BOOLEAN' THEN CAST(json_extract_string(v, '$') AS BOOLEAN) END;

-- Event properties: `pstr(props, 'category')` etc.
CREATE OR REPLACE TEMP MACRO pstr(p, k) AS jstr(json_extract(p, jpath(k)));
CREATE OR REPLACE TEMP MACRO pnum(p, k) AS jnum(json_extract(p, jpath(k)));
-- A property as a typed, comparable key for distinct counts and `top`: NULL when absent or null.
-- Strings keep their bytes (so ordering by this key orders strings by bytes); numbers are
-- normalised so 1 and 1.0 are the same value.
CREATE OR REPLACE TEMP MACRO pval(p, k) AS
    CASE json_type(json_extract(p, jpath(k)))
        WHEN 'VARCHAR' THEN 's' || json_extract_string(p, jpath(k))
        WHEN 'BIGINT' THEN 'n' || CAST(CAST(json_extract_string(p, jpath(k)) AS DOUBLE) AS VARCHAR)
        WHEN 'UBIGINT' THEN 'n' || CAST(CAST(json_extract_string(p, jpath(k)) AS DOUBLE) AS VARCHAR)
        WHEN 'HUGEINT' THEN 'n' || CAST(CAST(json_extract_string(p, jpath(k)) AS DOUBLE) AS VARCHAR)
        WHEN 'DOUBLE' THEN 'n' || CAST(CAST(json_extract_string(p, jpath(k)) AS DOUBLE) AS VARCHAR)
        WHEN 'NULL' THEN NULL
        WHEN 'BOOLEAN' THEN 'b' || json_extract_string(p, jpath(k))
        ELSE 'j' || CAST(json_extract(p, jpath(k)) AS VARCHAR)
    END;

-- 1. Deduplicate by messageId (the first occurrence in the file wins, whatever its content),
--    parse the time (timestamp, else receivedAt; to UTC; millisecond precision, finer digits
--    truncated), then drop everything after now: every message type, traits and links included.
CREATE OR REPLACE TEMP TABLE m AS
WITH parsed AS (
    SELECT
        rowid AS ord,
        type,
        messageId,
        nullif(userId, '') AS userId,
        nullif(anonymousId, '') AS anonymousId,
        nullif(previousId, '') AS previousId,
        nullif(groupId, '') AS groupId,
        event,
        name,
        properties,
        traits,
        epoch_ms(CAST(coalesce(timestamp, receivedAt) AS TIMESTAMPTZ)) AS t
    FROM messages
    QUALIFY messageId IS NULL OR row_number() OVER (PARTITION BY messageId ORDER BY ord) = 1
)
SELECT * FROM parsed WHERE t <= now_ms();

-- 2. Identity links. A message carrying both userId and anonymousId links them; an alias links
--    previousId to userId. An anonymous id stays with the first user it was linked to (by time,
--    then file order); later conflicting links are ignored.
--    User-to-user aliases (previousId itself a userId) are listed in `user_aliases`; the
--    generated data has none, and the driver fails loudly if it ever does.
CREATE OR REPLACE TEMP TABLE link_candidates AS
SELECT anonymousId AS aid, userId AS uid, t, ord FROM m
WHERE userId IS NOT NULL AND anonymousId IS NOT NULL
UNION ALL
SELECT previousId AS aid, userId AS uid, t, ord FROM m
WHERE type = 'alias' AND previousId IS NOT NULL AND userId IS NOT NULL AND previousId <> userId;

CREATE OR REPLACE TEMP TABLE user_aliases AS
SELECT DISTINCT c.aid, c.uid FROM link_candidates c
WHERE c.aid IN (SELECT userId FROM m WHERE userId IS NOT NULL);

CREATE OR REPLACE TEMP TABLE links AS
SELECT aid, first(uid ORDER BY t, ord) AS uid FROM link_candidates GROUP BY aid;

-- 3. Each message's profile: its userId; else the user its anonymousId is linked to; else the
--    anonymousId itself. Merged profiles behave as if always one (anonymous history counts).
--    The join is on the anonymous id alone (links has one row per id, so no row is repeated):
--    a userId wins in the coalesce anyway, and a plain equi-join lets DuckDB hash it.
CREATE OR REPLACE TEMP TABLE mp AS
SELECT m.*, coalesce(m.userId, l.uid, m.anonymousId) AS profile
FROM m LEFT JOIN links l ON l.aid = m.anonymousId
WHERE coalesce(m.userId, m.anonymousId) IS NOT NULL;

-- 4. Every profile with any message at or before now (identify-only users included).
CREATE OR REPLACE TEMP TABLE profiles AS
SELECT DISTINCT profile FROM mp;

-- 5. Events: track calls by their event name, page calls as "Page Viewed", screen calls as
--    "Screen Viewed" (a page/screen call's top-level name wins over properties.name).
CREATE OR REPLACE TEMP TABLE events AS
SELECT
    profile,
    CASE type WHEN 'track' THEN event WHEN 'page' THEN 'Page Viewed' ELSE 'Screen Viewed' END AS name,
    t,
    CASE
        WHEN type IN ('page', 'screen') AND name IS NOT NULL
            THEN json_merge_patch(coalesce(properties, '{}'::JSON), json_object('name', name))
        ELSE properties
    END AS props,
    ord
FROM mp
WHERE type IN ('track', 'page', 'screen') AND (type <> 'track' OR event IS NOT NULL);

-- 6. first_seen / last_seen: first / last track, page or screen event.
CREATE OR REPLACE TEMP TABLE seen AS
SELECT profile, min(t) AS first_seen, max(t) AS last_seen FROM events GROUP BY profile;

-- 7. Traits: identify calls, latest timestamp wins per key (ties: the later message in the file);
--    a trait set to null becomes missing.
CREATE OR REPLACE TEMP TABLE traits AS
WITH kv AS (
    SELECT profile, t, ord, key, json_extract(traits, jpath(key)) AS value
    FROM (
        SELECT profile, t, ord, traits, unnest(json_keys(traits)) AS key
        FROM mp WHERE type = 'identify' AND json_type(traits) = 'OBJECT'
    )
),
latest AS (
    SELECT * FROM kv
    QUALIFY row_number() OVER (PARTITION BY profile, key ORDER BY t DESC, ord DESC) = 1
)
SELECT profile, key, value FROM latest WHERE json_type(value) <> 'NULL';
