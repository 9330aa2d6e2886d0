import GRDB
import StrataCore

extension SQLiteStore {
    public func messages(
        after sequence: Int64, limit: Int, payloadKeys: Set<String>
    ) throws -> [(sequence: Int64, message: Message)] {
        try pool.read { db in
            let names = try self.eventNames(db)
            var result: [(sequence: Int64, message: Message)] = []
            try Self.forEachBlock(db, after: sequence) { block in
                for index in block.positions(after: sequence) {
                    guard result.count < limit else { return false }
                    let message = try block.record(index).message(
                        names: names, includingContext: false, payloadKeys: payloadKeys)
                    result.append((block.first + Int64(index), message))
                }
                return result.count < limit
            }
            return result
        }
    }

    public func lastSequence() throws -> Int64 {
        try pool.read { db in try Self.lastSequence(db) }
    }

    public func sequences(of groups: [[IndexedID]], through last: Int64) throws -> [[Int64]] {
        try pool.read { db in try BlockLog.sequences(of: groups, through: last, db) }
    }
}
