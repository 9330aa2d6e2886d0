import Foundation
import GRDB

extension SQLiteStore {
    /// Adds the `keys` table.
    static func registerKeysMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_keys (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        digest BLOB NOT NULL UNIQUE,
                        prefix TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    """)
        }
    }

    public func addKey(kind: APIKey.Kind, digest: [UInt8], prefix: String, createdAt: Int64) async throws -> APIKey {
        let id = try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO api_keys (kind, digest, prefix, created_at) VALUES (?, ?, ?, ?)",
                arguments: [kind.rawValue, Data(digest), prefix, createdAt])
            return db.lastInsertedRowID
        }
        return APIKey(id: id, kind: kind, digest: digest, prefix: prefix, createdAt: createdAt, revokedAt: nil)
    }

    public func keys() async throws -> [APIKey] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, kind, digest, prefix, created_at, revoked_at FROM api_keys ORDER BY id"
            ).compactMap { row in
                guard let kind = APIKey.Kind(rawValue: row[1]) else { return nil }
                let digest: Data = row[2]
                return APIKey(
                    id: row[0], kind: kind, digest: Array(digest), prefix: row[3], createdAt: row[4],
                    revokedAt: row[5])
            }
        }
    }

    public func revokeKey(id: Int64, at time: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", arguments: [time, id])
            return db.changesCount > 0
        }
    }
}
