import Foundation
import GRDB
import StrataCore

extension SQLiteStore {
    /// The migrations of real-time membership: the change log, the live members and the checkpoint.
    static func registerLiveMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-changes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE membership_changes (
                        id INTEGER PRIMARY KEY,
                        segment TEXT NOT NULL,
                        profile TEXT NOT NULL,
                        entered INTEGER NOT NULL,
                        instant INTEGER NOT NULL,
                        cause TEXT NOT NULL,
                        message_id TEXT,
                        recorded_at INTEGER NOT NULL
                    );
                    CREATE INDEX membership_changes_segment ON membership_changes(segment, id);
                    CREATE INDEX membership_changes_segment_instant ON membership_changes(segment, instant);
                    CREATE TABLE live_members (
                        segment TEXT NOT NULL,
                        profile TEXT NOT NULL,
                        PRIMARY KEY (segment, profile)
                    ) WITHOUT ROWID;
                    CREATE TABLE live_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        sequence INTEGER NOT NULL,
                        instant INTEGER NOT NULL
                    );
                    """)
        }
    }

    /// The migration of the change feed: consumers' cursors, and changes found by profile.
    static func registerChangeFeedMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-change-feed") { db in
            try db.execute(
                sql: """
                    CREATE TABLE change_cursors (
                        consumer TEXT PRIMARY KEY,
                        change_id INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX membership_changes_profile ON membership_changes(profile, id);
                    """)
        }
    }

    @discardableResult
    public func recordChanges(
        _ changes: [MembershipChange], checkpoint: LiveCheckpoint, recordedAt: Int64
    ) async throws -> [RecordedChange] {
        try await pool.write { db in
            let append = try db.cachedStatement(
                sql: """
                    INSERT INTO membership_changes (segment, profile, entered, instant, cause, message_id, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            let enter = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO live_members (segment, profile) VALUES (?, ?)")
            let exit = try db.cachedStatement(sql: "DELETE FROM live_members WHERE segment = ? AND profile = ?")
            var recorded: [RecordedChange] = []
            recorded.reserveCapacity(changes.count)
            for change in changes {
                try append.execute(arguments: [
                    change.segment, change.profile, change.entered, change.instant, change.cause.name,
                    change.cause.messageId, recordedAt,
                ])
                recorded.append(RecordedChange(id: db.lastInsertedRowID, change: change, recordedAt: recordedAt))
                try (change.entered ? enter : exit).execute(arguments: [change.segment, change.profile])
            }
            try Self.setCheckpoint(checkpoint, db)
            return recorded
        }
    }

    public func resetLiveMembers(_ members: [String: [String]], checkpoint: LiveCheckpoint) async throws {
        // In the table's key order (bytes, as SQLite compares text): rows are then appended to the
        // B-tree rather than placed at random. A first start at 600,000 users wrote its 2.8M rows in
        // about 10 s in the order of a set.
        let segments = members.keys.sorted { String.compareUTF8($0, $1) < 0 }
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM live_members")
            let insert = try db.cachedStatement(sql: "INSERT INTO live_members (segment, profile) VALUES (?, ?)")
            var binder = Binder()
            for segment in segments {
                var profiles = members[segment] ?? []
                if !profiles.indices.dropFirst().allSatisfy({ String.compareUTF8(profiles[$0 - 1], profiles[$0]) < 0 })
                {
                    profiles = Array(Set(profiles)).sorted { String.compareUTF8($0, $1) < 0 }
                }
                for profile in profiles {
                    binder.reset(insert.sqliteStatement)
                    binder.text(segment)
                    binder.text(profile)
                    try binder.step(db)
                }
            }
            try Self.setCheckpoint(checkpoint, db)
        }
    }

    private static func setCheckpoint(_ checkpoint: LiveCheckpoint, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO live_state (id, sequence, instant) VALUES (1, ?, ?)
                ON CONFLICT(id) DO UPDATE SET sequence = excluded.sequence, instant = excluded.instant
                """, arguments: [checkpoint.sequence, checkpoint.instant])
    }

    public func liveCheckpoint() async throws -> LiveCheckpoint? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT sequence, instant FROM live_state WHERE id = 1").map {
                LiveCheckpoint(sequence: $0[0], instant: $0[1])
            }
        }
    }

    public func liveMembers() async throws -> [String: Set<String>] {
        try await pool.read { db in
            var members: [String: Set<String>] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT segment, profile FROM live_members")
            while let row = try rows.next() {
                members[row[0], default: []].insert(row[1])
            }
            return members
        }
    }

    public func changes(
        segment: String?, profile: String?, since: Int64?, after: Int64?, limit: Int
    ) async throws -> [RecordedChange] {
        var filters: [(sql: String, value: DatabaseValue)] = []
        if let segment { filters.append(("segment = ?", segment.databaseValue)) }
        if let profile { filters.append(("profile = ?", profile.databaseValue)) }
        if let since { filters.append(("instant >= ?", since.databaseValue)) }
        if let after { filters.append(("id > ?", after.databaseValue)) }
        let filter = filters.isEmpty ? "" : "WHERE " + filters.map(\.sql).joined(separator: " AND ")
        let arguments = StatementArguments(filters.map(\.value) + [limit.databaseValue])
        // For one segment since an instant, `+id` leads the planner to the (segment, instant) index and a
        // sort of the changes found, rather than a walk through the segment's whole log in id order.
        let order = segment != nil && since != nil && profile == nil ? "+id" : "id"
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, segment, profile, entered, instant, cause, message_id, recorded_at
                    FROM membership_changes \(filter) ORDER BY \(order) LIMIT ?
                    """, arguments: arguments
            ).map { row in
                let id: Int64 = row[0]
                guard let cause = MembershipChange.Cause(name: row[5], messageId: row[6]) else {
                    throw DatabaseError(message: "membership change \(id) has an unknown cause")
                }
                let change = MembershipChange(
                    segment: row[1], profile: row[2], entered: row[3], instant: row[4], cause: cause)
                return RecordedChange(id: id, change: change, recordedAt: row[7])
            }
        }
    }

    public func lastChangeID() async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM membership_changes") ?? 0
        }
    }

    public func cursor(of consumer: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT change_id FROM change_cursors WHERE consumer = ?", arguments: [consumer])
        }
    }

    public func saveCursor(_ changeID: Int64, of consumer: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO change_cursors (consumer, change_id) VALUES (?, ?)
                    ON CONFLICT(consumer) DO UPDATE SET change_id = excluded.change_id
                    """, arguments: [consumer, changeID])
        }
    }
}
