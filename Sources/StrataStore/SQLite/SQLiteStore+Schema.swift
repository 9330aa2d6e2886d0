import GRDB
import StrataCore

extension SQLiteStore {
    /// The migrations, named by string and never edited once shipped: add new ones at the end.
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
        migrator.registerMigration("v5-message-blocks", migrate: moveMessagesToBlocks)
        registerChangeFeedMigration(in: &migrator)
        return migrator
    }

    /// Moves the messages from one row each to blocks (``BlockLog``), keeping their sequences.
    private static func moveMessagesToBlocks(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE message_blocks (
                    first_seq INTEGER PRIMARY KEY,
                    count INTEGER NOT NULL,
                    ids BLOB NOT NULL,
                    data BLOB NOT NULL
                );
                CREATE TABLE message_postings (
                    epoch INTEGER NOT NULL,
                    key INTEGER NOT NULL,
                    seqs BLOB NOT NULL,
                    PRIMARY KEY (epoch, key)
                ) WITHOUT ROWID;
                CREATE TABLE message_epochs (
                    first_seq INTEGER PRIMARY KEY,
                    last_seq INTEGER NOT NULL
                );
                """)
        var log = try BlockLog.load(db)
        var block: MessageBlock.Builder?
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT seq, message_id, kind, user_id, anonymous_id, event_id, timestamp, received_at, sent_at,
                    group_id, previous_id, payload, extra, content_hash
                FROM messages ORDER BY seq
                """)
        while let row = try rows.next() {
            let sequence: Int64 = row[0]
            guard let kind = Message.Kind(code: row[2]) else {
                throw DatabaseError(message: "message \(sequence) has an unknown kind")
            }
            func bytes(_ column: Int) -> [UInt8]? { (row[column] as String?).map { Array($0.utf8) } }
            let message = StoredMessage(
                kind: kind, messageId: row[1], userId: row[3], anonymousId: row[4], event: nil, groupId: row[9],
                previousId: row[10], timestamp: row[6], sentAt: row[8], receivedAt: row[7], payload: bytes(11),
                extra: bytes(12), contentHash: row[13])
            if let filled = block, filled.isFull || sequence != log.end + 1 {
                try insert(filled, db)
                try log.writeEpochs(db)
                block = nil
            }
            let idHash = BlockLog.idHash(message.messageId)
            _ = log.append(message, at: log.place(of: idHash), sequence: sequence)
            if block == nil { block = MessageBlock.Builder(first: sequence) }
            block?.append(message, eventId: row[5], idHash: idHash)
        }
        if let block { try insert(block, db) }
        try log.writeEpochs(db)
        try db.execute(
            sql: """
                DELETE FROM event_names WHERE id NOT IN (SELECT event_id FROM messages WHERE event_id IS NOT NULL);
                DROP TABLE messages;
                """)
    }
}
