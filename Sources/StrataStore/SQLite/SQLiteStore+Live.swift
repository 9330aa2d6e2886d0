import GRDB
import StrataCore

extension SQLiteStore {
    public func messages(after sequence: Int64, limit: Int) throws -> [(sequence: Int64, message: Message)] {
        try pool.read { db in
            try Self.messages(
                db, sql: "SELECT \(Self.headerColumns) FROM messages WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit], names: try self.eventNames(db))
        }
    }

    public func lastSequence() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM messages") ?? 0 }
    }
}
