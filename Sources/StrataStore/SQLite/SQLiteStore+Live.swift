import GRDB
import StrataCore

extension SQLiteStore {
    public func messages(
        after sequence: Int64, limit: Int, payloadKeys: Set<String>
    ) throws -> [(sequence: Int64, message: Message)] {
        let columns = payloadKeys.isEmpty ? Self.headerColumns : Self.selectedColumns(includingContext: false)
        return try pool.read { db in
            try Self.messages(
                db, sql: "SELECT \(columns) FROM messages WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit], names: try self.eventNames(db), payloadKeys: payloadKeys)
        }
    }

    public func lastSequence() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM messages") ?? 0 }
    }
}
