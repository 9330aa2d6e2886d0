-- Loads the JSONL messages into `messages`. DuckDB preserves insertion order (the default
-- preserve_insertion_order = true), so the table's rowid is the message's line number (0-based).
-- The driver replaces {path} with the file's path.
CREATE OR REPLACE TABLE messages AS
SELECT *
FROM read_json('{path}',
    format = 'newline_delimited',
    columns = {
        type: 'VARCHAR', messageId: 'VARCHAR', userId: 'VARCHAR', anonymousId: 'VARCHAR',
        previousId: 'VARCHAR', groupId: 'VARCHAR', event: 'VARCHAR', name: 'VARCHAR',
        properties: 'JSON', traits: 'JSON', timestamp: 'VARCHAR', receivedAt: 'VARCHAR'
    });
