import GRDB

extension SQLiteStore {
    /// The migration of the recomputations of cadence segments.
    static func registerRecomputationMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v10-recomputations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE recomputations (
                        segment TEXT PRIMARY KEY,
                        instant INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    public func recordRecomputations(_ segments: [String], at instant: Int64) async throws {
        guard !segments.isEmpty else { return }
        try await pool.write { db in
            for segment in segments {
                try db.execute(
                    sql: """
                        INSERT INTO recomputations (segment, instant) VALUES (?, ?)
                        ON CONFLICT(segment) DO UPDATE SET instant = max(instant, excluded.instant)
                        """, arguments: [segment, instant])
            }
        }
    }

    public func recomputations() async throws -> [String: Int64] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT segment, instant FROM recomputations")
            return Dictionary(rows.map { ($0[0], $0[1]) }, uniquingKeysWith: max)
        }
    }
}
