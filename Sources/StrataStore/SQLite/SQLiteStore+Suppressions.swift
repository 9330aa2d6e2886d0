import Foundation
import GRDB

extension SQLiteStore {
    /// The migration of the unsubscribes and the link-signing key.
    static func registerSuppressionMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-unsubscribes") { db in
            try db.execute(
                sql: """
                    CREATE TABLE unsubscribes (
                        profile TEXT NOT NULL,
                        destination TEXT NOT NULL,
                        unsubscribed_at INTEGER NOT NULL,
                        PRIMARY KEY (profile, destination)
                    ) WITHOUT ROWID;
                    CREATE TABLE link_keys (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        key BLOB NOT NULL
                    );
                    """)
        }
    }

    public func unsubscribe(profile: String, destination: String, at instant: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO unsubscribes (profile, destination, unsubscribed_at) VALUES (?, ?, ?)
                    ON CONFLICT(profile, destination) DO NOTHING
                    """, arguments: [profile, destination, instant])
        }
    }

    public func unsubscribed(profile: String, destination: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT unsubscribed_at FROM unsubscribes WHERE profile = ? AND destination = ?",
                arguments: [profile, destination])
        }
    }

    public func linkKey() async throws -> [UInt8] {
        try await pool.write { db in
            if let key = try Data.fetchOne(db, sql: "SELECT key FROM link_keys WHERE id = 1") { return [UInt8](key) }
            let key = Self.makeLinkKey()
            try db.execute(sql: "INSERT INTO link_keys (id, key) VALUES (1, ?)", arguments: [Data(key)])
            return key
        }
    }
}
