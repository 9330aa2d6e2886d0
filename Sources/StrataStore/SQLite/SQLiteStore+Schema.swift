import Foundation
import GRDB
import StrataCore

extension SQLiteStore {
    /// The migrations, named by string and never edited once shipped: add new ones at the end. One that
    /// moves data freezes its own copy of the code it needs (``MessageBlocksMigration``).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-messages") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_names (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE
                    );
                    CREATE TABLE messages (
                        seq INTEGER PRIMARY KEY,
                        message_id TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        user_id TEXT,
                        anonymous_id TEXT,
                        event_id INTEGER REFERENCES event_names(id),
                        timestamp INTEGER,
                        received_at INTEGER NOT NULL,
                        sent_at INTEGER,
                        group_id TEXT,
                        previous_id TEXT,
                        payload TEXT,
                        extra TEXT,
                        content_hash INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX messages_message_id ON messages(message_id);
                    CREATE INDEX messages_user_id ON messages(user_id) WHERE user_id IS NOT NULL;
                    -- Messages carrying a userId belong to that user's profile, found through messages_user_id;
                    -- only anonymous messages need finding by anonymousId.
                    CREATE INDEX messages_anonymous_id ON messages(anonymous_id) WHERE user_id IS NULL;
                    CREATE INDEX messages_group_id ON messages(group_id) WHERE group_id IS NOT NULL;
                    CREATE TABLE links (
                        kind INTEGER NOT NULL,
                        from_id TEXT NOT NULL,
                        to_id TEXT NOT NULL,
                        time INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (kind, from_id, to_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE quarantine (
                        id INTEGER PRIMARY KEY,
                        received_at INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        batch_index INTEGER NOT NULL,
                        reason TEXT NOT NULL,
                        field TEXT,
                        detail TEXT NOT NULL,
                        raw BLOB NOT NULL
                    );
                    CREATE TABLE counters (
                        name TEXT PRIMARY KEY,
                        value INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id INTEGER PRIMARY KEY,
                        as_of INTEGER NOT NULL,
                        computed_at INTEGER NOT NULL,
                        profiles INTEGER NOT NULL
                    );
                    CREATE TABLE run_segments (
                        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        segment TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        seconds REAL NOT NULL,
                        members BLOB NOT NULL,
                        PRIMARY KEY (run_id, segment)
                    ) WITHOUT ROWID;
                    """)
        }
        registerKeysMigration(&migrator)
        registerModelMigrations(in: &migrator)
        registerLiveMigrations(in: &migrator)
        migrator.registerMigration("v5-message-blocks", migrate: MessageBlocksMigration.migrate)
        registerChangeFeedMigration(in: &migrator)
        registerDeliveryMigration(in: &migrator)
        migrator.registerMigration("v8-links-by-id") { db in
            // A profile's links are found from its ids, a hop at a time (identityGraph(around:asOf:)).
            try db.execute(
                sql: """
                    CREATE INDEX links_from_id ON links(from_id);
                    CREATE INDEX links_to_id ON links(to_id);
                    """)
        }
        registerSuppressionMigration(in: &migrator)
        registerRecomputationMigration(in: &migrator)
        migrator.registerMigration("v11-quarantine-fingerprints", migrate: fingerprintQuarantine)
        migrator.registerMigration("v12-trait-names") { db in
            // Filled by appends; a store that had messages before is catalogued by the current code once
            // migrated (``catalogueStoredTraits(_:)``).
            try db.execute(
                sql:
                    "CREATE TABLE trait_names (scope INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (scope, name)) WITHOUT ROWID"
            )
        }
        registerErasureMigration(in: &migrator)
        migrator.registerMigration("v14-run-sizes") { db in
            // Runs kept every member of every segment, read by nothing: only the sizes stay.
            try db.execute(
                sql: """
                    CREATE TABLE run_sizes (
                        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        segment TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        seconds REAL NOT NULL,
                        PRIMARY KEY (run_id, segment)
                    ) WITHOUT ROWID;
                    INSERT INTO run_sizes SELECT run_id, segment, size, seconds FROM run_segments;
                    DROP TABLE run_segments;
                    ALTER TABLE run_sizes RENAME TO run_segments;
                    """)
        }
        registerErasedMessagesMigration(in: &migrator)
        return migrator
    }
}

extension SQLiteStore {
    /// Writes the profile index of a store whose messages the migration to blocks has just moved
    /// (the index is derived from the blocks, so the migration leaves it to the current code).
    static func indexMovedBlocks(_ db: Database, every length: Int) throws {
        var log = try BlockLog.load(db)
        try log.writeEpochs(db, every: length)
    }

    /// Catalogues the trait names of the identify and group calls stored before the catalogue existed.
    static func catalogueStoredTraits(_ db: Database) throws {
        var traits = TraitNames()
        try forEachRecord(db, after: 0) { _, record in
            if let payload = record.payload { traits.add(kind: record.kind, payload: record.slice(payload)) }
        }
        try record(traits, db)
    }
}

extension SQLiteStore {
    /// Gives every quarantine entry its fingerprint, keeping the first of entries that are the same
    /// (an earlier version quarantined a file's bad lines again on each import), and makes
    /// fingerprints unique so that appends skip entries already kept.
    static func fingerprintQuarantine(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE quarantine ADD COLUMN fingerprint BLOB")
        var seen: Set<Data> = []
        var repeated: [Int64] = []
        var fingerprints: [(Int64, Data)] = []
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT id, source, batch_index, reason, field, detail, raw, received_at FROM quarantine ORDER BY id")
        while let row = try rows.next() {
            let raw: Data = row[6]
            let entry = QuarantineEntry(
                source: row[1], index: row[2], reason: row[3], field: row[4], detail: row[5], raw: Array(raw),
                receivedAt: row[7])
            let fingerprint = Data(entry.fingerprint)
            if seen.insert(fingerprint).inserted {
                fingerprints.append((row[0], fingerprint))
            } else {
                repeated.append(row[0])
            }
        }
        for id in repeated { try db.execute(sql: "DELETE FROM quarantine WHERE id = ?", arguments: [id]) }
        for (id, fingerprint) in fingerprints {
            try db.execute(sql: "UPDATE quarantine SET fingerprint = ? WHERE id = ?", arguments: [fingerprint, id])
        }
        try db.execute(sql: "CREATE UNIQUE INDEX quarantine_fingerprint ON quarantine(fingerprint)")
    }
}
