import Foundation
import GRDB
import GRDBSQLite
import StrataCore
import Synchronization

/// The embedded store: one SQLite database in WAL mode, written through GRDB.
///
/// Every append is one transaction, committed with `synchronous = FULL`, so a message is
/// durable once `append` returns. Checkpoints of the WAL run on a thread of their own (see
/// ``Checkpointer``).
public final class SQLiteStore: EventStore {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    let checkpointer: Checkpointer
    /// Event name ids, filled lazily inside write transactions.
    private let eventNameIds = Mutex<[String: Int64]>([:])
    /// Event names by id, for reading messages back.
    private let eventNamesById = Mutex<[Int64: String]>([:])
    /// The earliest time of each identity link committed by this process: a link seen again later
    /// needs no write (the store keeps the earliest time of each link).
    private let knownLinks = Mutex<[LinkKey: Int64]>([:])

    /// How commits reach the disk.
    public enum Durability: Sendable {
        /// Every commit is on disk when it returns (`synchronous = FULL`): for acknowledging clients.
        case full
        /// Commits survive a crash of the program but not of the machine (`synchronous = NORMAL`),
        /// and the WAL checkpoints less often: for bulk imports, which are idempotent and can be re-run.
        case bulk

        var synchronous: String { self == .full ? "FULL" : "NORMAL" }
        /// The WAL size, in pages, at which a checkpoint is scheduled (SQLite's default threshold
        /// for its automatic checkpoint is 1,000).
        var checkpointPages: Int32 { self == .full ? 1000 : 10000 }
    }

    /// Opens (creating if needed) the database at a path and runs pending migrations.
    public convenience init(path: String, durability: Durability = .full) throws {
        let pages = durability.checkpointPages
        try self.init(path: path, durability: durability, checkpointAt: pages, limit: 8 * pages)
    }

    /// Opens the database with a checkpoint scheduled once the WAL holds `threshold` pages, and run
    /// by the writer itself at `limit` (see ``Checkpointer``).
    init(path: String, durability: Durability, checkpointAt threshold: Int32, limit: Int32) throws {
        self.path = path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.synchronous)")
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        checkpointer = try Checkpointer(
            path: path, threshold: threshold, limit: limit, synchronous: durability.synchronous)
        pool.writeWithoutTransaction { checkpointer.install(on: $0) }
    }

    deinit {
        pool.writeWithoutTransaction { checkpointer.uninstall(from: $0) }
    }

    // MARK: Writing

    public func append(_ messages: [Message], quarantine: [QuarantineEntry]) async throws -> AppendResult {
        // Serialise outside the writer, which is the one part that cannot run in parallel.
        try await append(stored: messages.map(StoredMessage.init), quarantine: quarantine)
    }

    public func append(stored messages: [StoredMessage], quarantine: [QuarantineEntry]) async throws -> AppendResult {
        let known = knownLinks.withLock { $0 }
        let names = eventNameIds.withLock { $0 }
        let (result, newLinks, newNames) = try await pool.write { db in
            var result = AppendResult()
            result.duplicateFlags.reserveCapacity(messages.count)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO messages (message_id, kind, user_id, anonymous_id, event_id, timestamp, received_at,
                        sent_at, group_id, previous_id, payload, extra, content_hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(message_id) DO NOTHING
                    """)
            let existingHash = try db.cachedStatement(sql: "SELECT content_hash FROM messages WHERE message_id = ?")
            var links: [LinkKey: (time: Int64, sequence: Int64)] = [:]
            func note(_ key: LinkKey, _ time: Int64, _ sequence: Int64) {
                if let earliest = known[key], earliest <= time { return }
                if let pending = links[key], pending.time <= time { return }
                links[key] = (time, sequence)
            }
            var eventIds = names
            var totals = Totals()
            var binder = Binder()
            for message in messages {
                var eventId: Int64?
                if let event = message.event {
                    eventId = try eventIds[event] ?? Self.eventNameId(event, db)
                    eventIds[event] = eventId
                }
                binder.reset(insert.sqliteStatement)
                binder.text(message.messageId)
                binder.int(Int64(message.kind.code))
                binder.text(message.userId)
                binder.text(message.anonymousId)
                binder.int(eventId)
                binder.int(message.timestamp)
                binder.int(message.receivedAt)
                binder.int(message.sentAt)
                binder.text(message.groupId)
                binder.text(message.previousId)
                binder.text(message.payload)
                binder.text(message.extra)
                binder.int(message.contentHash)
                try binder.step(db)
                if sqlite3_changes(db.sqliteConnection) == 0 {
                    result.duplicates += 1
                    result.duplicateFlags.append(true)
                    let stored = try Int64.fetchOne(existingHash, arguments: [message.messageId])
                    if stored != message.contentHash { result.conflicting += 1 }
                    continue
                }
                result.inserted += 1
                result.duplicateFlags.append(false)
                totals.add(message)
                let sequence = db.lastInsertedRowID
                if let userId = message.userId {
                    if let anonymousId = message.anonymousId {
                        note(LinkKey(kind: 0, from: anonymousId, to: userId), message.time, sequence)
                    }
                    if message.kind == .alias, let previousId = message.previousId {
                        note(LinkKey(kind: 1, from: previousId, to: userId), message.time, sequence)
                    }
                }
            }
            let link = try db.cachedStatement(
                sql: """
                    INSERT INTO links (kind, from_id, to_id, time, seq) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(kind, from_id, to_id) DO UPDATE SET time = excluded.time, seq = excluded.seq
                    WHERE excluded.time < links.time
                    """)
            for (key, value) in links {
                try link.execute(arguments: [key.kind, key.from, key.to, value.time, value.sequence])
            }
            for entry in quarantine {
                try db.execute(
                    sql: """
                        INSERT INTO quarantine (received_at, source, batch_index, reason, field, detail, raw)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        entry.receivedAt, entry.source, entry.index, entry.reason, entry.field, entry.detail,
                        Data(entry.raw),
                    ])
            }
            result.quarantined = quarantine.count
            try totals.record(db)
            if result.duplicates > 0 { try Self.bump("duplicates", by: result.duplicates, db) }
            if result.conflicting > 0 { try Self.bump("conflicting", by: result.conflicting, db) }
            return (result, links.mapValues(\.time), eventIds)
        }
        // Only committed links and names are remembered, so a failed transaction leaves nothing behind.
        knownLinks.withLock { cache in
            for (key, time) in newLinks { cache[key] = min(time, cache[key] ?? time) }
        }
        eventNameIds.withLock { $0.merge(newNames) { old, _ in old } }
        return result
    }

    /// An identity link as stored in `links`.
    struct LinkKey: Hashable, Sendable {
        var kind: Int
        var from: String
        var to: String
    }

    /// The message counts by type and the event time bounds of a transaction, kept in `counters` so
    /// statistics need no scan of the messages.
    private struct Totals {
        var byKind = [Int](repeating: 0, count: Message.Kind.allCases.count)
        var first = Int64.max
        var last = Int64.min

        mutating func add(_ message: StoredMessage) {
            byKind[message.kind.code] += 1
            if message.kind.isEvent {
                first = min(first, message.time)
                last = max(last, message.time)
            }
        }

        func record(_ db: Database) throws {
            for kind in Message.Kind.allCases where byKind[kind.code] > 0 {
                try bump("messages.\(kind.rawValue)", by: byKind[kind.code], db)
            }
            if first <= last {
                try db.execute(
                    sql: """
                        INSERT INTO counters (name, value) VALUES ('events.first', ?), ('events.last', ?)
                        ON CONFLICT(name) DO UPDATE SET value = CASE name
                            WHEN 'events.first' THEN min(value, excluded.value) ELSE max(value, excluded.value) END
                        """, arguments: [first, last])
            }
        }
    }

    private static func bump(_ counter: String, by amount: Int, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO counters (name, value) VALUES (?, ?)
                ON CONFLICT(name) DO UPDATE SET value = value + excluded.value
                """, arguments: [counter, amount])
    }

    private static func eventNameId(_ name: String, _ db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT OR IGNORE INTO event_names (name) VALUES (?)", arguments: [name])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM event_names WHERE name = ?", arguments: [name])
        else { throw DatabaseError(message: "event name \(name) was not stored") }
        return id
    }

    /// How many batch runs are kept.
    public static let keptRuns = 20

    public func saveSnapshot(_ snapshot: MembershipSnapshot) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO runs (as_of, computed_at, profiles) VALUES (?, ?, ?)",
                arguments: [snapshot.asOf, snapshot.computedAt, snapshot.profiles])
            let run = db.lastInsertedRowID
            for segment in snapshot.segments {
                let members = Data(segment.members.joined(separator: "\n").utf8)
                try db.execute(
                    sql: "INSERT INTO run_segments (run_id, segment, size, seconds, members) VALUES (?, ?, ?, ?, ?)",
                    arguments: [run, segment.name, segment.members.count, segment.seconds, members])
            }
            let cutoff = run - Int64(Self.keptRuns)
            try db.execute(sql: "DELETE FROM run_segments WHERE run_id <= ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM runs WHERE id <= ?", arguments: [cutoff])
        }
    }

    public func latestSnapshot() async throws -> MembershipSnapshot? {
        try await pool.read { db in
            guard
                let run = try Row.fetchOne(
                    db, sql: "SELECT id, as_of, computed_at, profiles FROM runs ORDER BY id DESC LIMIT 1")
            else { return nil }
            let id: Int64 = run[0]
            let segments = try Row.fetchAll(
                db, sql: "SELECT segment, seconds, members FROM run_segments WHERE run_id = ? ORDER BY segment",
                arguments: [id]
            ).map { row in
                let data: Data = row[2]
                let text = String(decoding: data, as: UTF8.self)
                let members =
                    text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                return MembershipSnapshot.Segment(name: row[0], members: members, seconds: row[1])
            }
            return MembershipSnapshot(asOf: run[1], computedAt: run[2], profiles: run[3], segments: segments)
        }
    }

    // MARK: Reading

    public func statistics() async throws -> StoreStatistics {
        let fileBytes = [path, path + "-wal", path + "-shm"].reduce(Int64(0)) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
            return total + (size ?? 0)
        }
        return try await pool.read { db in
            let counters = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT name, value FROM counters").map {
                    (row: Row) -> (String, Int64) in (row[0], row[1])
                })
            var byKind: [Message.Kind: Int] = [:]
            for kind in Message.Kind.allCases {
                if let count = counters["messages.\(kind.rawValue)"] { byKind[kind] = Int(count) }
            }
            var byReason: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT reason, COUNT(*) FROM quarantine GROUP BY reason") {
                byReason[row[0]] = row[1]
            }
            // Names used by stored messages (a refused duplicate may have interned a name); a used name
            // is found after a short scan, since the table is read in arrival order.
            let names = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM event_names
                    WHERE EXISTS (SELECT 1 FROM messages WHERE event_id = event_names.id) ORDER BY name
                    """)
            return StoreStatistics(
                messages: byKind.values.reduce(0, +), messagesByKind: byKind,
                quarantined: byReason.values.reduce(0, +), quarantinedByReason: byReason,
                duplicates: Int(counters["duplicates"] ?? 0), conflicting: Int(counters["conflicting"] ?? 0),
                eventNames: names, firstEvent: counters["events.first"], lastEvent: counters["events.last"],
                bytesOnDisk: fileBytes)
        }
    }

    public func identityGraph(asOf: Int64) async throws -> IdentityGraph {
        try await pool.read { db in
            var graph = IdentityGraph()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT kind, from_id, to_id, time FROM links WHERE time <= ? ORDER BY time, seq",
                arguments: [asOf])
            while let row = try rows.next() {
                let kind: Int = row[0]
                let from: String = row[1]
                let to: String = row[2]
                let time: Int64 = row[3]
                if kind == 1 {
                    graph.alias(previousId: from, userId: to, time: time)
                } else {
                    graph.link(anonymousId: from, userId: to, time: time)
                }
            }
            return graph
        }
    }

    public func messages(of ids: [IdentityGraph.Node]) async throws -> [(sequence: Int64, message: Message)] {
        let users = ids.filter(\.isUser).map(\.id)
        let anonymous = ids.filter { !$0.isUser }.map(\.id)
        return try await pool.read { db in
            let names = try self.eventNames(db)
            var seen = Set<Int64>()
            var result: [(sequence: Int64, message: Message)] = []
            let lookups = [("user_id IN", users), ("user_id IS NULL AND anonymous_id IN", anonymous)]
            for (condition, values) in lookups {
                try Self.forEachMessage(db, columns: Self.columns, where: condition, in: values, names: names) {
                    if seen.insert($0.sequence).inserted { result.append($0) }
                }
            }
            return result.sorted { $0.sequence < $1.sequence }
        }
    }

    public func groupCalls(account: String) async throws -> [(sequence: Int64, message: Message)] {
        try await pool.read { db in
            try Self.messages(
                db, sql: "SELECT \(Self.columns) FROM messages WHERE group_id = ? ORDER BY seq", arguments: [account],
                names: try self.eventNames(db))
        }
    }

    public func busiestUsers(limit: Int) async throws -> [(userId: String, messages: Int)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT user_id, COUNT(*) AS n FROM messages WHERE user_id IS NOT NULL
                    GROUP BY user_id ORDER BY n DESC, user_id LIMIT ?
                    """, arguments: [limit]
            ).map { (userId: $0[0], messages: $0[1]) }
        }
    }

    public func quarantined(limit: Int) async throws -> [QuarantineEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT source, batch_index, reason, field, detail, raw, received_at
                    FROM quarantine ORDER BY id LIMIT ?
                    """, arguments: [limit]
            ).map { row in
                let raw: Data = row[5]
                return QuarantineEntry(
                    source: row[0], index: row[1], reason: row[2], field: row[3], detail: row[4], raw: Array(raw),
                    receivedAt: row[6])
            }
        }
    }

    public func forEachMessage(
        includingContext: Bool, payloadKeys: Set<String>?, _ body: (Int64, Message) throws -> Void
    ) throws {
        let columns = Self.selectedColumns(includingContext: includingContext)
        try pool.read { db in
            try Self.forEachMessage(
                db, sql: "SELECT \(columns) FROM messages ORDER BY seq", names: try self.eventNames(db),
                payloadKeys: payloadKeys
            ) { try body($0.sequence, $0.message) }
        }
    }

    /// How many values one query of ``messages(sequences:payloadKeys:)`` and ``messages(of:)`` binds: within the
    /// bound-variable limit of every SQLite version.
    public static let sequencesPerQuery = 999

    public func messages(
        sequences: [Int64], payloadKeys: Set<String>?
    ) throws -> [(sequence: Int64, message: Message)] {
        let wanted = Set(sequences).sorted()
        return try pool.read { db in
            let names = try self.eventNames(db)
            var result: [(sequence: Int64, message: Message)] = []
            result.reserveCapacity(wanted.count)
            // Ascending chunks, each read in sequence order, give the whole in sequence order.
            try Self.forEachMessage(
                db, columns: Self.selectedColumns(includingContext: false), where: "seq IN", in: wanted,
                names: names, payloadKeys: payloadKeys, order: "ORDER BY seq"
            ) { result.append($0) }
            return result
        }
    }

    /// Calls `body` with every message whose column matches one of `values` (`condition` ends in
    /// `IN`), querying ``sequencesPerQuery`` values at a time.
    private static func forEachMessage<Value: DatabaseValueConvertible>(
        _ db: Database, columns: String, where condition: String, in values: [Value], names: [Int64: String],
        payloadKeys: Set<String>? = nil, order: String = "",
        _ body: ((sequence: Int64, message: Message)) throws -> Void
    ) throws {
        for start in stride(from: 0, to: values.count, by: sequencesPerQuery) {
            let chunk = values[start..<min(start + sequencesPerQuery, values.count)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            try forEachMessage(
                db, sql: "SELECT \(columns) FROM messages WHERE \(condition) (\(placeholders)) \(order)",
                arguments: StatementArguments(Array(chunk)), cached: false, names: names, payloadKeys: payloadKeys,
                body)
        }
    }

    public func forEachMessageId(_ body: (String) throws -> Void) throws {
        try pool.read { db in
            let ids = try String.fetchCursor(db, sql: "SELECT message_id FROM messages ORDER BY seq")
            while let id = try ids.next() { try body(id) }
        }
    }

    /// Event names by id; read again only when names were added since (they are never removed).
    func eventNames(_ db: Database) throws -> [Int64: String] {
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM event_names")) ?? 0
        if let known = eventNamesById.withLock({ $0.count == count ? $0 : nil }) { return known }
        var names: [Int64: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM event_names") { names[row[0]] = row[1] }
        eventNamesById.withLock { $0 = names }
        return names
    }

    static let columns = """
        seq, message_id, kind, user_id, anonymous_id, event_id, timestamp, received_at, sent_at, group_id,
        previous_id, payload, extra
        """

    /// The columns messages are read from; without context the `extra` column is not read at all
    /// (evaluation never needs it).
    static func selectedColumns(includingContext: Bool) -> String {
        includingContext ? columns : columns.replacingOccurrences(of: "extra", with: "NULL")
    }

    /// The columns messages are read from, with neither the payload nor the context.
    static let headerColumns = selectedColumns(includingContext: false).replacingOccurrences(
        of: "payload", with: "NULL")

    /// Calls `body` with every message a query of ``columns`` (or a subset set to NULL) returns, read
    /// straight from the SQLite statement as GRDB steps it; `cached` keeps the prepared statement for
    /// the next query of the same text, and `payloadKeys` limits properties and traits to those keys.
    static func forEachMessage(
        _ db: Database, sql: String, arguments: StatementArguments = [], cached: Bool = true, names: [Int64: String],
        payloadKeys: Set<String>? = nil, _ body: ((sequence: Int64, message: Message)) throws -> Void
    ) throws {
        let statement = try cached ? db.cachedStatement(sql: sql) : db.makeStatement(sql: sql)
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while try rows.next() != nil {
            try body(try decode(statement.sqliteStatement, names: names, payloadKeys: payloadKeys))
        }
    }

    /// Every message a query of ``columns`` returns (see ``forEachMessage(_:sql:arguments:cached:names:payloadKeys:_:)``).
    static func messages(
        _ db: Database, sql: String, arguments: StatementArguments, names: [Int64: String],
        payloadKeys: Set<String>? = nil
    ) throws -> [(sequence: Int64, message: Message)] {
        var result: [(sequence: Int64, message: Message)] = []
        try forEachMessage(db, sql: sql, arguments: arguments, names: names, payloadKeys: payloadKeys) {
            result.append($0)
        }
        return result
    }

    /// The message in the current row of a statement over ``columns``.
    private static func decode(
        _ statement: SQLiteStatement, names: [Int64: String], payloadKeys: Set<String>?
    ) throws -> (Int64, Message) {
        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
        func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
            guard !isNull(column), let text = sqlite3_column_text(statement, column) else { return nil }
            return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
        }
        func text(_ column: Int32) -> String? { bytes(column).map { String(decoding: $0, as: UTF8.self) } }
        func int(_ column: Int32) -> Int64? { isNull(column) ? nil : sqlite3_column_int64(statement, column) }
        func object(_ column: Int32, keeping keys: Set<String>? = nil) throws -> [String: JSONValue] {
            guard let json = bytes(column) else { return [:] }
            if let keys { return try JSONParser.parseObject(json, keeping: keys) }
            guard case .object(let object) = try JSONParser.parse(json) else {
                throw DatabaseError(message: "stored JSON is not an object")
            }
            return object
        }
        let sequence = sqlite3_column_int64(statement, 0)
        guard let kind = Message.Kind(code: Int(sqlite3_column_int64(statement, 2))), let messageId = text(1),
            let receivedAt = int(7)
        else { throw DatabaseError(message: "message \(sequence) has an unknown kind or lacks a column") }
        let payload = try object(11, keeping: payloadKeys)
        let extra = try object(12)
        let message = Message(
            kind: kind, messageId: messageId, userId: text(3), anonymousId: text(4),
            event: int(5).flatMap { names[$0] }, properties: kind.isEvent ? payload : [:],
            traits: kind.isEvent ? [:] : payload, groupId: text(9), previousId: text(10), timestamp: int(6),
            sentAt: int(8), receivedAt: receivedAt, context: extra["context"]?.objectValue,
            integrations: extra["integrations"]?.objectValue)
        return (sequence, message)
    }
}

/// Binds values to a raw SQLite statement by position, for the hot insert path.
private struct Binder {
    private var statement: OpaquePointer?
    private var position: Int32 = 0
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func reset(_ statement: OpaquePointer?) {
        self.statement = statement
        position = 0
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    mutating func text(_ value: String?) {
        position += 1
        guard var value else { return }
        value.withUTF8 { bind($0) }
    }

    mutating func text(_ value: [UInt8]?) {
        position += 1
        value?.withUnsafeBufferPointer { bind($0) }
    }

    private func bind(_ bytes: UnsafeBufferPointer<UInt8>) {
        _ = sqlite3_bind_text(
            statement, position, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self),
            Int32(bytes.count), Binder.transient)
    }

    mutating func int(_ value: Int64?) {
        position += 1
        guard let value else { return }
        sqlite3_bind_int64(statement, position, value)
    }

    func step(_ db: Database) throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }
}
