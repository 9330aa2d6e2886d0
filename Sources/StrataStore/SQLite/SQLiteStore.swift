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
public final class SQLiteStore: Store {
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
    private let knownLinks = Mutex<[IdentityLink: Int64]>([:])
    /// The writer's view of the message log, nil until the first append (or after a failed one).
    private let messageLog = Mutex<BlockLog?>(nil)
    /// The keys of the messages after the index's last epoch, for lookups.
    let recentKeys = RecentKeys()
    /// How many messages an epoch of the log's index covers.
    private let epochLength: Int
    /// How many rows of an epoch a commit writes at least.
    private let epochRowsPerCommit: Int
    /// The hash message ids are known by.
    private let idHash: @Sendable (String) -> UInt64
    /// The digests of the erased ids (``Erasure/digest(of:)``), and how many the store held when read.
    let erasures = Mutex<(count: Int, digests: Set<[UInt8]>)>((0, []))

    /// Opens (creating if needed) the database at a path and runs pending migrations.
    public convenience init(path: String, durability: Durability = .full) throws {
        let pages = durability.checkpointPages
        try self.init(path: path, durability: durability, checkpointAt: pages, limit: 8 * pages)
    }

    /// Opens the database with a checkpoint scheduled once the WAL holds `threshold` pages, and run
    /// by the writer itself at `limit` (see ``Checkpointer``); the index of the message log gets an epoch
    /// every `epochLength` messages, written `epochRowsPerCommit` rows a commit at least, and message ids
    /// are known by `idHash` (these three for tests).
    init(
        path: String, durability: Durability, checkpointAt threshold: Int32, limit: Int32,
        epochLength: Int = BlockLog.epochLength, epochRowsPerCommit: Int = 512,
        idHash: @escaping @Sendable (String) -> UInt64 = BlockLog.idHash
    ) throws {
        self.path = path
        self.epochLength = epochLength
        self.epochRowsPerCommit = epochRowsPerCommit
        self.idHash = idHash
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.synchronous)")
            // A cache fills up to its size and stays there, so its size is memory the process keeps.
            // The writer appends (blocks, the index's epochs, changes, deliveries) and looks up a few
            // pages of each table's last part: 32 MB. A reader scans blocks once or looks up a few, and
            // up to five of them would hold their caches for nothing: 16 MB each.
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -16384 : -32768)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = Self.migrator
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        try migrator.migrate(pool)
        if !applied.isEmpty, !applied.contains("v5-message-blocks") {
            try pool.write { db in try Self.indexMovedBlocks(db, every: epochLength) }
        }
        if !applied.isEmpty, !applied.contains("v12-trait-names") {
            try pool.write { db in try Self.catalogueStoredTraits(db) }
        }
        checkpointer = try Checkpointer(
            path: path, threshold: threshold, limit: limit, synchronous: durability.synchronous)
        pool.writeWithoutTransaction { checkpointer.install(on: $0) }
    }

    deinit {
        pool.writeWithoutTransaction { checkpointer.uninstall(from: $0) }
    }

    /// The bytes SQLite holds in this process, for every open database: mostly the page caches of the
    /// connections, which fill up to their `cache_size` (32 MB for a writer, 16 MB for a reader).
    public static var memoryInUse: Int64 { sqlite3_memory_used() }

    // MARK: Writing

    public func append(_ messages: [Message], quarantine: [QuarantineEntry]) async throws -> AppendResult {
        // Serialise outside the writer, which is the one part that cannot run in parallel.
        try await append(stored: messages.map(StoredMessage.init), quarantine: quarantine)
    }

    public func append(
        storedParts parts: [[StoredMessage]], quarantine: [QuarantineEntry], releasing: [QuarantineRelease]
    ) async throws
        -> AppendResult
    {
        let known = knownLinks.withLock { $0 }
        let names = eventNameIds.withLock { $0 }
        let outcome: (AppendResult, [IdentityLink: Int64], [String: Int64])
        do {
            outcome = try await pool.write { db in try self.write(parts, quarantine, releasing, known, names, db) }
        } catch {
            // The transaction may have been rolled back after the log in memory took its messages.
            messageLog.withLock { $0 = nil }
            throw error
        }
        let (result, newLinks, newNames) = outcome
        // Only committed links and names are remembered, so a failed transaction leaves nothing behind.
        knownLinks.withLock { cache in
            for (key, time) in newLinks { cache[key] = min(time, cache[key] ?? time) }
        }
        eventNameIds.withLock { $0.merge(newNames) { old, _ in old } }
        return result
    }

    public func prepareForAppends() async throws {
        // Read on a reader connection, so writers are not held up; an append brings it up to date.
        let loaded = try await pool.read { db in try BlockLog.load(db) }
        messageLog.withLock { log in
            if log == nil { log = loaded }
        }
    }

    public func indexAll() async throws {
        do {
            try await pool.write { db in
                var log = try self.currentLog(db)
                // An epoch being written a part at a time first, whole, then the rest as one more.
                try log.writeEpochs(db, every: self.epochLength)
                try log.writeEpochs(db, every: 1)
                self.messageLog.withLock { $0 = log }
                self.recentKeys.epochsWritten(log)
            }
        } catch {
            // The transaction may have been rolled back after the log in memory sealed its messages.
            messageLog.withLock { $0 = nil }
            throw error
        }
    }

    /// The digests of the erased ids, read again when the store holds more of them than last read
    /// (an erasure, by this process or another): the writer's log and links are then forgotten, as they
    /// may hold what the erasure removed.
    func erasedDigests(_ db: Database) throws -> Set<[UInt8]> {
        let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM erasures")) ?? 0
        if let known = erasures.withLock({ $0.count == count ? $0.digests : nil }) { return known }
        let digests = Set(try Data.fetchAll(db, sql: "SELECT digest FROM erasures").map { Array($0) })
        messageLog.withLock { $0 = nil }
        knownLinks.withLock { $0 = [:] }
        erasures.withLock { $0 = (count, digests) }
        return digests
    }

    /// The log as the store holds it: the one in memory brought up to date, or loaded again.
    private func currentLog(_ db: Database) throws -> BlockLog {
        // Taken out, so that the writer mutates the only copy.
        if var kept = messageLog.withLock({ state -> BlockLog? in
            defer { state = nil }
            return state
        }), try kept.catchUp(db) {
            return kept
        }
        return try BlockLog.load(db)
    }

    /// The body of ``append(storedParts:quarantine:releasing:)``'s transaction.
    private func write(
        _ parts: [[StoredMessage]], _ quarantine: [QuarantineEntry], _ releasing: [QuarantineRelease],
        _ known: [IdentityLink: Int64], _ names: [String: Int64], _ db: Database
    ) throws -> (AppendResult, [IdentityLink: Int64], [String: Int64]) {
        let erased = try erasedDigests(db)
        var log = try currentLog(db)
        let (start, mark) = (log.end, log.pending.count)
        var result = AppendResult()
        result.fates.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        var links: [IdentityLink: (time: Int64, sequence: Int64)] = [:]
        func note(_ key: IdentityLink, _ time: Int64, _ sequence: Int64) {
            if let earliest = known[key], earliest <= time { return }
            if let pending = links[key], pending.time <= time { return }
            links[key] = (time, sequence)
        }
        var eventIds = names
        var totals = Totals()
        var traits = TraitNames()
        var block = MessageBlock.Builder(first: log.end + 1)
        var stored = StoredIdentities()
        for (position, message) in parts.joined().enumerated() {
            if !erased.isEmpty,
                Erasure.namedIds(of: message).contains(where: { erased.contains(Erasure.digest(of: $0)) })
            {
                result.erased += 1
                result.fates.append(.erased)
                continue
            }
            let idHash = self.idHash(message.messageId)
            let place = log.place(of: idHash)
            if let contentHash = try stored.contentHash(
                of: message.messageId, among: log.ids.sequences(at: place), pending: block, db)
            {
                result.duplicates += 1
                result.fates.append(.duplicate)
                if contentHash != message.contentHash {
                    result.conflicting += 1
                    result.conflicts.append(position)
                }
                continue
            }
            var eventId: Int64?
            if let event = message.event {
                eventId = try eventIds[event] ?? Self.eventNameId(event, db)
                eventIds[event] = eventId
            }
            let sequence = log.append(message, at: place)
            block.append(message, eventId: eventId, idHash: idHash)
            if block.isFull {
                try Self.insert(block, db)
                block = MessageBlock.Builder(first: log.end + 1)
            }
            result.inserted += 1
            result.fates.append(.stored)
            result.storedSequences.append(sequence)
            totals.add(message)
            if let payload = message.payload {
                payload.withUnsafeBufferPointer { traits.add(kind: message.kind, payload: $0) }
            }
            IdentityLink.links(of: message) { note($0, message.time, sequence) }
        }
        if !block.isEmpty { try Self.insert(block, db) }
        recentKeys.append(log.pending[mark...], after: start, log: log)
        // About two rows for each message stored, so a sealed epoch is written before the next is due.
        try log.writeEpochs(db, every: epochLength, rows: max(epochRowsPerCommit, 2 * result.inserted))
        recentKeys.epochsWritten(log)
        let link = try db.cachedStatement(
            sql: """
                INSERT INTO links (kind, from_id, to_id, time, seq) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(kind, from_id, to_id) DO UPDATE SET time = excluded.time, seq = excluded.seq
                WHERE excluded.time < links.time
                """)
        for (key, value) in links {
            try link.execute(arguments: [key.kind, key.from, key.to, value.time, value.sequence])
        }
        let quarantined = try db.cachedStatement(
            sql: """
                INSERT INTO quarantine (received_at, source, batch_index, reason, field, detail, raw, fingerprint)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING
                """)
        for entry in quarantine {
            try quarantined.execute(arguments: [
                entry.receivedAt, entry.source, entry.index, entry.reason, entry.field, entry.detail,
                Data(entry.raw), Data(entry.fingerprint),
            ])
            if db.changesCount > 0 { result.quarantined += 1 } else { result.alreadyQuarantined += 1 }
        }
        let release = try db.cachedStatement(sql: "DELETE FROM quarantine WHERE id = ?")
        for id in QuarantineRelease.released(releasing, conflicts: result.conflicts) {
            try release.execute(arguments: [id])
            result.released += db.changesCount
        }
        try totals.record(db)
        try Self.record(traits, db)
        if result.duplicates > 0 { try Self.bump("duplicates", by: result.duplicates, db) }
        if result.conflicting > 0 { try Self.bump("conflicting", by: result.conflicting, db) }
        messageLog.withLock { $0 = log }
        return (result, links.mapValues(\.time), eventIds)
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

    /// Adds trait names to the catalogue.
    static func record(_ traits: TraitNames, _ db: Database) throws {
        guard !traits.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO trait_names (scope, name) VALUES (?, ?)")
        for row in traits.rows { try insert.execute(arguments: [row.scope, row.name]) }
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

    public func saveRun(_ run: MembershipRun) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO runs (as_of, computed_at, profiles) VALUES (?, ?, ?)",
                arguments: [run.asOf, run.computedAt, run.profiles])
            let id = db.lastInsertedRowID
            for segment in run.segments {
                try db.execute(
                    sql: "INSERT INTO run_segments (run_id, segment, size, seconds) VALUES (?, ?, ?, ?)",
                    arguments: [id, segment.name, segment.size, segment.seconds])
            }
            let cutoff = id - Int64(Self.keptRuns)
            try db.execute(sql: "DELETE FROM run_segments WHERE run_id <= ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM runs WHERE id <= ?", arguments: [cutoff])
        }
    }

    public func latestRunSizes() async throws -> [String: Int]? {
        try await pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT max(id) FROM runs") else { return nil }
            let rows = try Row.fetchAll(
                db, sql: "SELECT segment, size FROM run_segments WHERE run_id = ?", arguments: [id])
            return Dictionary(rows.map { (row: Row) -> (String, Int) in (row[0], row[1]) }, uniquingKeysWith: max)
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
            // Only stored messages intern their names.
            let names = try String.fetchAll(db, sql: "SELECT name FROM event_names ORDER BY name")
            var traits = TraitNames()
            for row in try Row.fetchAll(db, sql: "SELECT scope, name FROM trait_names") {
                if row[0] as Int == 0 { traits.users.insert(row[1]) } else { traits.accounts.insert(row[1]) }
            }
            return StoreStatistics(
                messages: byKind.values.reduce(0, +), messagesByKind: byKind,
                quarantined: byReason.values.reduce(0, +), quarantinedByReason: byReason,
                duplicates: Int(counters["duplicates"] ?? 0), conflicting: Int(counters["conflicting"] ?? 0),
                eventNames: names, traitNames: traits, firstEvent: counters["events.first"],
                lastEvent: counters["events.last"], bytesOnDisk: fileBytes)
        }
    }

    public func identityGraph(asOf: Int64) async throws -> IdentityGraph {
        try await pool.read { db in
            var graph = IdentityGraph()
            let rows = try Row.fetchCursor(
                db, sql: "SELECT kind, from_id, to_id, time FROM links WHERE time <= ? ORDER BY time, seq",
                arguments: [asOf])
            while let row = try rows.next() {
                IdentityLink(kind: row[0], from: row[1], to: row[2]).add(to: &graph, time: row[3])
            }
            return graph
        }
    }

    public func identityGraph(around id: String, asOf: Int64) async throws -> IdentityGraph {
        try await pool.read { db in try Self.identityGraph(around: id, asOf: asOf, db) }
    }

    /// ``identityGraph(around:asOf:)`` inside a transaction.
    static func identityGraph(around id: String, asOf: Int64, _ db: Database) throws -> IdentityGraph {
        let statement = try db.cachedStatement(
            sql: """
                SELECT kind, from_id, to_id, time, seq FROM links WHERE from_id = ? AND time <= ?
                UNION ALL SELECT kind, from_id, to_id, time, seq FROM links WHERE to_id = ? AND time <= ?
                """)
        return try IdentityLink.component(around: id) { ids in
            var links: [(link: IdentityLink, time: Int64, sequence: Int64)] = []
            for id in ids {
                let rows = try Row.fetchCursor(statement, arguments: [id, asOf, id, asOf])
                while let row = try rows.next() {
                    links.append((IdentityLink(kind: row[0], from: row[1], to: row[2]), row[3], row[4]))
                }
            }
            return links
        }
    }

    public func reading<T: Sendable>(_ body: @escaping @Sendable (any ProfileSource) throws -> T) async throws -> T {
        try await pool.read { db in try body(Source(store: self, db: db)) }
    }

    /// The store's messages and links inside one read transaction.
    private struct Source: ProfileSource {
        let store: SQLiteStore
        let db: Database

        func identityGraph(around id: String, asOf: Int64) throws -> IdentityGraph {
            try SQLiteStore.identityGraph(around: id, asOf: asOf, db)
        }

        func messages(of ids: [IdentityGraph.Node]) throws -> [(sequence: Int64, message: Message)] {
            let users = Set(ids.filter(\.isUser).map(\.id))
            let anonymous = Set(ids.filter { !$0.isUser }.map(\.id))
            let keys = Set(users.map(BlockLog.userKey) + anonymous.map(BlockLog.anonymousKey))
            return try store.messages(
                db, sequences: BlockLog.sequences(of: keys, db, recent: store.recentKeys), includingContext: true
            ) { record in
                if let userId = record.userId { return users.contains(record.string(userId)) }
                return record.anonymousId.map { anonymous.contains(record.string($0)) } ?? false
            }
        }

        func groupCalls(account: String) throws -> [(sequence: Int64, message: Message)] {
            try store.messages(
                db, sequences: BlockLog.sequences(of: [BlockLog.groupKey(account)], db, recent: store.recentKeys),
                includingContext: true
            ) { $0.kind == .group && $0.field($0.groupId, equals: account) }
        }
    }

    public func busiestUsers(limit: Int) async throws -> [(userId: String, messages: Int)] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            try Self.forEachRecord(db, after: 0) { _, record in
                if let userId = record.userId { counts[record.string(userId), default: 0] += 1 }
            }
            let busiest = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            return busiest.prefix(limit).map { (userId: $0.key, messages: $0.value) }
        }
    }

    public func quarantined(reason: String?, limit: Int) async throws -> [QuarantineEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT source, batch_index, reason, field, detail, raw, received_at, id
                    FROM quarantine WHERE ?1 IS NULL OR reason = ?1 ORDER BY id LIMIT ?2
                    """, arguments: [reason, limit]
            ).map { row in
                let raw: Data = row[5]
                var entry = QuarantineEntry(
                    source: row[0], index: row[1], reason: row[2], field: row[3], detail: row[4], raw: Array(raw),
                    receivedAt: row[6])
                entry.id = row[7]
                return entry
            }
        }
    }

    public func forEachMessage(
        after first: Int64, includingContext: Bool, payloadKeys: Set<String>?, _ body: (Int64, Message) throws -> Void
    ) throws {
        try pool.read { db in
            let names = try self.eventNames(db)
            try Self.forEachRecord(db, after: first) { sequence, record in
                try body(
                    sequence,
                    try record.message(names: names, includingContext: includingContext, payloadKeys: payloadKeys))
            }
        }
    }

    public func messages(
        sequences: [Int64], payloadKeys: Set<String>?
    ) throws -> [(sequence: Int64, message: Message)] {
        try pool.read { db in
            try self.messages(db, sequences: Set(sequences).sorted(), payloadKeys: payloadKeys) { _ in true }
        }
    }

    /// The messages of ascending `sequences` whose records pass `wanted`, in sequence order; sequences
    /// not stored are skipped.
    func messages(
        _ db: Database, sequences: [Int64], includingContext: Bool = false, payloadKeys: Set<String>? = nil,
        where wanted: (MessageBlock.Record) -> Bool
    ) throws -> [(sequence: Int64, message: Message)] {
        let names = try eventNames(db)
        let block = try db.cachedStatement(
            sql:
                "SELECT first_seq, count, data FROM message_blocks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1"
        )
        var result: [(sequence: Int64, message: Message)] = []
        result.reserveCapacity(sequences.count)
        var index = 0
        while index < sequences.count {
            let rows = try Row.fetchCursor(block, arguments: [sequences[index]])
            guard try rows.next() != nil else {
                index += 1
                continue
            }
            let reader = try Self.reader(block.sqliteStatement)
            // Every wanted sequence this block holds, read while its row is current.
            repeat {
                let position = sequences[index] - reader.first
                if position < Int64(reader.count) {
                    let record = try reader.record(Int(position))
                    if wanted(record) {
                        let message = try record.message(
                            names: names, includingContext: includingContext, payloadKeys: payloadKeys)
                        result.append((sequences[index], message))
                    }
                }
                index += 1
            } while index < sequences.count && sequences[index] < reader.first + Int64(reader.count)
        }
        return result
    }

    public func forEachMessageId(_ body: (String) throws -> Void) throws {
        try pool.read { db in
            try Self.forEachRecord(db, after: 0) { _, record in try body(record.string(record.messageId)) }
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
}

/// Binds values to a raw SQLite statement by position, for the hot insert path.
struct Binder {
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

    mutating func blob(_ value: [UInt8]) {
        position += 1
        value.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(statement, position, bytes.baseAddress, Int32(bytes.count), Binder.transient)
        }
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

extension Durability {
    /// SQLite's `synchronous` setting for this durability.
    var synchronous: String { self == .full ? "FULL" : "NORMAL" }
    /// The WAL size, in pages, at which a checkpoint is scheduled (SQLite's default threshold for its
    /// automatic checkpoint is 1,000).
    var checkpointPages: Int32 { self == .full ? 1000 : 10000 }
}
