import GRDB

extension SQLiteStore {
    /// The migrations of trained models (`strata train`), kept apart from the others' file.
    static func registerModelMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-models") { db in
            try db.execute(
                sql: """
                    CREATE TABLE models (
                        name TEXT PRIMARY KEY,
                        trained_at INTEGER NOT NULL,
                        document TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    public func saveModel(_ model: StoredModel) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO models (name, trained_at, document) VALUES (?, ?, ?)",
                arguments: [model.name, model.trainedAt, model.document])
        }
    }

    public func models() async throws -> [StoredModel] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, trained_at, document FROM models ORDER BY name").map {
                StoredModel(name: $0[0], trainedAt: $0[1], document: $0[2])
            }
        }
    }
}
