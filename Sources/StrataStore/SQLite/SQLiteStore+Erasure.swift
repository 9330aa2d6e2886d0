import Foundation
import GRDB
import GRDBSQLite
import StrataCore

extension SQLiteStore {
    /// The migration of the erasures: one row per erased id, holding its digest only.
    static func registerErasureMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v13-erasures") { db in
            try db.execute(
                sql: """
                    CREATE TABLE erasures (
                        digest BLOB PRIMARY KEY,
                        erased_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
    }

    /// The migration of the erased sequences, in erasure order, for copies of the log kept elsewhere.
    static func registerErasedMessagesMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v15-erased-messages") { db in
            try db.execute(sql: "CREATE TABLE erased_messages (mark INTEGER PRIMARY KEY, seq INTEGER NOT NULL)")
        }
    }

    /// Erases in one transaction, then removes the timelines file (``timelinesURL(database:)``), which
    /// holds the erased messages until it is rebuilt without them.
    public func erase(profile id: String, at instant: Int64) async throws -> Erasure? {
        let erasure = try await pool.write { db in try self.erase(id, at: instant, db) }
        if erasure != nil { try DurableFile.remove(Self.timelinesURL(database: path)) }
        return erasure
    }

    /// The timelines file derived from the log of the database at `path`: beside it, named after it.
    public static func timelinesURL(database path: String) -> URL {
        URL(fileURLWithPath: path + ".timelines")
    }

    public func erasedCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM erasures") ?? 0 }
    }

    public func erasedSequences(after mark: Int64, limit: Int) async throws -> [(mark: Int64, sequence: Int64)] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT mark, seq FROM erased_messages WHERE mark > ? ORDER BY mark LIMIT ?",
                arguments: [mark, limit]
            ).map { (mark: $0[0], sequence: $0[1]) }
        }
    }

    /// The body of ``erase(profile:at:)``'s transaction.
    private func erase(_ id: String, at instant: Int64, _ db: Database) throws -> Erasure? {
        let graph = try Self.identityGraph(around: id, asOf: Int64.max, db)
        // As a profile is read (MessageLog+Profile.swift): the userId's profile first, else the
        // anonymousId's; a message belongs to its userId's profile even when its anonymousId is
        // linked elsewhere.
        for isUser in [true, false] {
            let node = IdentityGraph.Node(id: id, isUser: isUser)
            let members = graph.members(of: node)
            let key = graph.profileKey(of: node) ?? id
            let users = members.filter(\.isUser).map(\.id)
            let anonymous = members.filter { !$0.isUser }.map(\.id)
            let keys = Set(users.map(BlockLog.userKey) + anonymous.map(BlockLog.anonymousKey))
            let messages = try self.messages(db, sequences: BlockLog.sequences(of: keys, db, recent: recentKeys)) {
                graph.profileKey(userId: $0.string($0.userId), anonymousId: $0.string($0.anonymousId)) == key
            }
            guard !messages.isEmpty else { continue }
            let ids = Set(members.map(\.id)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            try Self.removeMessages(messages, db)
            for (sequence, _) in messages {
                try db.execute(sql: "INSERT INTO erased_messages (seq) VALUES (?)", arguments: [sequence])
            }
            var erasure = Erasure(
                profile: key, ids: ids, sequences: messages.map(\.sequence), links: 0, changes: 0, memberships: 0,
                deliveries: 0, unsubscribes: 0)
            try Self.removeRows(of: ids, into: &erasure, db)
            for id in ids {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO erasures (digest, erased_at) VALUES (?, ?)",
                    arguments: [Data(Erasure.digest(of: id)), instant])
            }
            return erasure
        }
        return nil
    }

    /// Removes messages from their blocks, from the index and from the counts by type.
    private static func removeMessages(_ messages: [(sequence: Int64, message: Message)], _ db: Database) throws {
        let sequences = messages.map(\.sequence)
        try removeFromBlocks(Set(sequences), db)
        var postings: [UInt64: [Int64]] = [:]
        var byKind: [Message.Kind: Int] = [:]
        for (sequence, message) in messages {
            BlockLog.keys(
                kind: message.kind, userId: message.userId, anonymousId: message.anonymousId,
                groupId: message.groupId, hash: BlockLog.idHash
            ) { postings[$0, default: []].append(sequence) }
            byKind[message.kind, default: 0] += 1
        }
        try removeFromIndex(postings, db)
        for (kind, count) in byKind {
            try db.execute(
                sql: "UPDATE counters SET value = value - ? WHERE name = ?",
                arguments: [count, "messages.\(kind.rawValue)"])
        }
    }

    /// Rewrites each block holding one of `sequences` without them: a block's row holds consecutive
    /// messages, so what is left of it becomes a row per stretch. When the log's last messages go, an
    /// empty row after them keeps the log's last sequence, so that no sequence is ever given twice (the
    /// change log, the live checkpoint and snapshots refer to them).
    private static func removeFromBlocks(_ sequences: Set<Int64>, _ db: Database) throws {
        let last = try lastSequence(db)
        let statement = try db.cachedStatement(
            sql:
                "SELECT first_seq, count, data, ids FROM message_blocks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1"
        )
        for sequence in sequences.sorted() {
            guard let row = try Row.fetchOne(statement, arguments: [sequence]) else { continue }
            let first: Int64 = row[0]
            let count: Int = row[1]
            // A row written by this loop, found for a later sequence of the same block, ends before it.
            guard sequence < first + Int64(count) else { continue }
            let data: Data = row[2]
            let ids: Data = row[3]
            var stretches: [[Int]] = [[]]
            for index in 0..<count {
                if sequences.contains(first + Int64(index)) {
                    if !(stretches.last?.isEmpty ?? true) { stretches.append([]) }
                } else {
                    stretches[stretches.count - 1].append(index)
                }
            }
            try db.execute(sql: "DELETE FROM message_blocks WHERE first_seq = ?", arguments: [first])
            try data.withUnsafeBytes { bytes in
                let reader = try MessageBlock.Reader(bytes, first: first, count: count)
                for stretch in stretches where !stretch.isEmpty {
                    var offsets: [UInt8] = []
                    var records: [UInt8] = []
                    for index in stretch {
                        withUnsafeBytes(of: UInt32(records.count).littleEndian) { offsets.append(contentsOf: $0) }
                        records.append(contentsOf: try reader.recordBytes(index))
                    }
                    let kept = ids[
                        ids.startIndex + stretch[0] * 8..<ids.startIndex + (stretch[stretch.count - 1] + 1) * 8]
                    try db.execute(
                        sql: "INSERT INTO message_blocks (first_seq, count, ids, data) VALUES (?, ?, ?, ?)",
                        arguments: [first + Int64(stretch[0]), stretch.count, Data(kept), Data(offsets + records)])
                }
            }
        }
        if try lastSequence(db) < last {
            try db.execute(
                sql: "INSERT INTO message_blocks (first_seq, count, ids, data) VALUES (?, 0, x'', x'')",
                arguments: [last + 1])
        }
    }

    /// Removes sequences from the index's epochs: `postings` holds the sequences to remove by key.
    private static func removeFromIndex(_ postings: [UInt64: [Int64]], _ db: Database) throws {
        let epochs = try Row.fetchAll(db, sql: "SELECT first_seq, last_seq FROM message_epochs").map {
            (first: $0[0] as Int64, last: $0[1] as Int64)
        }
        for (key, sequences) in postings {
            let removed = Set(sequences)
            for epoch in epochs where sequences.contains(where: { $0 >= epoch.first && $0 <= epoch.last }) {
                let arguments: StatementArguments = [epoch.first, Int64(bitPattern: key)]
                guard
                    let row = try Data.fetchOne(
                        db, sql: "SELECT seqs FROM message_postings WHERE epoch = ? AND key = ?", arguments: arguments)
                else { continue }
                let left = try BlockLog.postings(row, epoch: epoch.first).filter { !removed.contains($0) }
                if left.isEmpty {
                    try db.execute(
                        sql: "DELETE FROM message_postings WHERE epoch = ? AND key = ?", arguments: arguments)
                } else {
                    try db.execute(
                        sql: "UPDATE message_postings SET seqs = ? WHERE epoch = ? AND key = ?",
                        arguments: [BlockLog.postings(left, epoch: epoch.first), epoch.first, Int64(bitPattern: key)])
                }
            }
        }
    }

    /// Removes the rows naming the ids from the other tables, counting them into the report.
    private static func removeRows(of ids: [String], into erasure: inout Erasure, _ db: Database) throws {
        let names = Set(ids)
        let list = databaseQuestionMarks(count: ids.count)
        let arguments = StatementArguments(ids)
        func delete(_ sql: String, twice: Bool = false) throws -> Int {
            try db.execute(sql: sql, arguments: twice ? arguments + arguments : arguments)
            return db.changesCount
        }
        erasure.links = try delete("DELETE FROM links WHERE from_id IN (\(list)) OR to_id IN (\(list))", twice: true)
        erasure.changes = try delete("DELETE FROM membership_changes WHERE profile IN (\(list))")
        erasure.memberships = try delete("DELETE FROM live_members WHERE profile IN (\(list))")
        erasure.deliveries = try delete("DELETE FROM deliveries WHERE profile IN (\(list))")
        erasure.unsubscribes = try delete("DELETE FROM unsubscribes WHERE profile IN (\(list))")
        // The quarantine keeps messages as received: those naming an id go too.
        var named: [Int64] = []
        let quarantine = try Row.fetchCursor(db, sql: "SELECT id, raw FROM quarantine")
        while let row = try quarantine.next() {
            let raw: Data = row[1]
            if QuarantineEntry.names(anyOf: names, in: Array(raw)) { named.append(row[0]) }
        }
        for id in named { try db.execute(sql: "DELETE FROM quarantine WHERE id = ?", arguments: [id]) }
        erasure.quarantined = named.count
    }
}
