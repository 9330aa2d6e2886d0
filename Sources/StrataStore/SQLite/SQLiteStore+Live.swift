import GRDB
import StrataCore

extension SQLiteStore {
    public func messages(after sequence: Int64, limit: Int) throws -> [(sequence: Int64, message: Message)] {
        try pool.read { db in
            let names = try self.eventNames(db)
            return try Row.fetchAll(
                db,
                sql: "SELECT \(Self.headerColumns) FROM messages WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit]
            ).map { row in try Self.decode(row, names: names) }
        }
    }
}
