import Foundation
import GRDB
import GRDBSQLite
import StrataCore

/// The store's message log: messages in blocks (``MessageBlock``), and an index from profiles and
/// accounts to the sequences of their messages, written in sorted epochs.
///
/// The index holds an epoch for each stretch of ``epochLength`` messages, one row per key, so writing it
/// only ever appends to its table. Messages after the last epoch are found by reading their blocks.
/// What the writer keeps in memory is this struct: it is rebuilt from the store whenever the store
/// holds something else (another process wrote, or a transaction failed).
struct BlockLog {
    /// How many messages an epoch of the index covers by default.
    static let epochLength = 131_072

    /// Every stored message id by its hash.
    private(set) var ids: MessageIdTable
    /// The sequence of the last stored message, 0 when there is none.
    private(set) var end: Int64
    /// The messages up to this sequence are in the index's epochs.
    private(set) var through: Int64
    /// The next epoch, being written a part at a time: its keys with their sequences, sorted.
    private(set) var sealed: [(key: UInt64, sequence: Int64)] = []
    /// The last sequence the sealed epoch covers.
    private var sealedEnd: Int64 = 0
    /// How many pairs of the sealed epoch are written.
    private var sealedWritten = 0
    /// The keys of the messages after the sealed epoch (after `through` when there is none), each with
    /// the sequence of a message it finds.
    private(set) var pending: [(key: UInt64, sequence: Int64)] = []
    /// How many messages `pending` covers.
    private var pendingCount = 0

    // MARK: Keys

    /// The index key of a user's messages (those carrying the userId).
    static func userKey(_ id: String) -> UInt64 { Hash.mix(idHash(id) &+ 1) }
    /// The index key of an anonymous id's messages without a userId.
    static func anonymousKey(_ id: String) -> UInt64 { Hash.mix(idHash(id) &+ 2) }
    /// The index key of an account's group calls.
    static func groupKey(_ id: String) -> UInt64 { Hash.mix(idHash(id) &+ 3) }

    /// The hash a message id is known by.
    static func idHash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { Hash.key64($0) }
    }

    /// The keys a message is found by: its profile's (its userId's, else its anonymousId's), and its
    /// account's for a group call; `hash` gives the ``idHash(_:)`` of an id, in whatever form it is held.
    static func keys<Id>(
        kind: Message.Kind, userId: Id?, anonymousId: Id?, groupId: Id?, hash: (Id) -> UInt64,
        _ body: (UInt64) -> Void
    ) {
        if let userId {
            body(Hash.mix(hash(userId) &+ 1))
        } else if let anonymousId {
            body(Hash.mix(hash(anonymousId) &+ 2))
        }
        if kind == .group, let groupId { body(Hash.mix(hash(groupId) &+ 3)) }
    }

    /// The keys a stored record is found by.
    private static func keys(of record: MessageBlock.Record, _ body: (UInt64) -> Void) {
        keys(
            kind: record.kind, userId: record.userId, anonymousId: record.anonymousId, groupId: record.groupId,
            hash: { Hash.key64(record.slice($0)) }, body)
    }

    // MARK: Writing

    /// The log as the store holds it.
    static func load(_ db: Database) throws -> BlockLog {
        // From the bytes of the ids (8 a message), which a damaged count cannot inflate.
        let count = try Int.fetchOne(db, sql: "SELECT coalesce(sum(length(ids)), 0) / 8 FROM message_blocks") ?? 0
        // Room for an eighth more before the table grows.
        var log = BlockLog(ids: MessageIdTable(capacity: count + count / 8), end: 0, through: 0)
        _ = try log.catchUp(db)
        return log
    }

    /// Brings the log up to what the store holds: the ids of blocks written since, and the index's
    /// pending keys. Returns false when the store holds less than the log (a transaction the log saw
    /// was rolled back): the log must then be loaded again.
    mutating func catchUp(_ db: Database) throws -> Bool {
        let end = try SQLiteStore.lastSequence(db)
        let through = try Int64.fetchOne(db, sql: "SELECT coalesce(max(last_seq), 0) FROM message_epochs") ?? 0
        if end == self.end && through == self.through { return true }
        if end < self.end || through < self.through { return false }
        let blocks = try db.cachedStatement(
            sql: "SELECT first_seq, count, ids FROM message_blocks WHERE first_seq > ? ORDER BY first_seq")
        let rows = try Row.fetchCursor(blocks, arguments: [self.end])
        while try rows.next() != nil {
            let statement = blocks.sqliteStatement
            let first = sqlite3_column_int64(statement, 0)
            let count = Int(sqlite3_column_int64(statement, 1))
            let length = Int(sqlite3_column_bytes(statement, 2))
            guard count >= 0, count <= length / 8, length == count * 8 else { throw MessageBlock.damaged(first) }
            guard let pointer = sqlite3_column_blob(statement, 2) else { continue }  // no messages, no bytes
            let hashes = UnsafeRawBufferPointer(start: pointer, count: count * 8)
            for index in 0..<count {
                let hash = UInt64(littleEndian: hashes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
                ids.insert(hash, sequence: first + Int64(index))
            }
        }
        self.end = end
        self.through = through
        sealed = []
        sealedWritten = 0
        pending = []
        pendingCount = 0
        try SQLiteStore.forEachRecord(db, after: through) { sequence, record in
            Self.keys(of: record) { pending.append(($0, sequence)) }
            pendingCount += 1
        }
        return true
    }

    /// Where a message id's hash is in the id table (see ``MessageIdTable/place(of:)``).
    mutating func place(of idHash: UInt64) -> MessageIdTable.Place { ids.place(of: idHash) }

    /// Records a message about to be stored at the next sequence (or at `sequence`, after a gap), its id
    /// at `place`, and returns its sequence.
    mutating func append(_ message: StoredMessage, at place: MessageIdTable.Place, sequence: Int64? = nil) -> Int64 {
        end = max(end + 1, sequence ?? 0)
        ids.insert(at: place, sequence: end)
        let sequence = end
        Self.keys(
            kind: message.kind, userId: message.userId, anonymousId: message.anonymousId, groupId: message.groupId,
            hash: Self.idHash
        ) { pending.append(($0, sequence)) }
        pendingCount += 1
        return end
    }

    /// Writes the index: once the pending keys cover `length` messages they are sealed as the next
    /// epoch, and each call writes at most `rows` more of its rows (a row is a key with its sequences),
    /// so that no commit of a server takes the whole epoch. The epoch counts once its last row is written;
    /// until then its messages are found by reading their blocks. An epoch left part-written (by a failed
    /// transaction or another process) is written again whole, its rows replacing those there.
    mutating func writeEpochs(_ db: Database, every length: Int = epochLength, rows: Int = .max) throws {
        if sealed.isEmpty {
            guard pendingCount >= length else { return }
            // In key order (as the table sorts them), so the rows are appended; each key's sequences ascend.
            sealed = pending.sorted {
                (Int64(bitPattern: $0.key), $0.sequence) < (Int64(bitPattern: $1.key), $1.sequence)
            }
            sealedEnd = end
            sealedWritten = 0
            pending = []
            pendingCount = 0
        }
        let epoch = through + 1
        let insert = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO message_postings (epoch, key, seqs) VALUES (?, ?, ?)")
        var written = 0
        while sealedWritten < sealed.count && written < rows {
            let key = sealed[sealedWritten].key
            var sequences: [Int64] = []
            while sealedWritten < sealed.count && sealed[sealedWritten].key == key {
                sequences.append(sealed[sealedWritten].sequence)
                sealedWritten += 1
            }
            try insert.execute(arguments: [epoch, Int64(bitPattern: key), Self.postings(sequences, epoch: epoch)])
            written += 1
        }
        guard sealedWritten == sealed.count else { return }
        try db.execute(
            sql: "INSERT INTO message_epochs (first_seq, last_seq) VALUES (?, ?)", arguments: [epoch, sealedEnd])
        through = sealedEnd
        sealed = []
        sealedWritten = 0
    }

    /// A row of `message_postings`: the ascending sequences of a key in an epoch, each as a varint of
    /// its distance from the one before (the first from the epoch's first sequence).
    static func postings(_ sequences: [Int64], epoch: Int64) -> Data {
        var encoded: [UInt8] = []
        var previous = epoch
        for sequence in sequences {
            Varint.append(UInt64(sequence - previous), to: &encoded)
            previous = sequence
        }
        return Data(encoded)
    }

    /// The sequences of a row of `message_postings` (``postings(_:epoch:)``).
    static func postings(_ row: Data, epoch: Int64) throws -> [Int64] {
        try row.withUnsafeBytes { bytes in
            var reader = StoredBytesReader(bytes, from: 0, to: bytes.count, source: .epoch(epoch))
            var sequences: [Int64] = []
            var previous = epoch
            while !reader.isAtEnd {
                // Wrapping: a damaged epoch gives sequences that are not stored, which reads skip.
                previous &+= Int64(bitPattern: try reader.varint())
                sequences.append(previous)
            }
            return sequences
        }
    }

    // MARK: Reading

    /// The sequences of the messages found by any of `keys`, ascending. A key is a hash, so this may
    /// hold messages of other profiles too: callers check the ids of what they read. The messages after
    /// the last epoch are found in `recent` when it covers them, else by reading their blocks, whose
    /// keys are then left in `recent` for the lookups after.
    static func sequences(of keys: Set<UInt64>, _ db: Database, recent: RecentKeys) throws -> [Int64] {
        var found: [Int64] = []
        let epochs = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT first_seq, last_seq FROM message_epochs ORDER BY first_seq"))
        let probe = try db.cachedStatement(sql: "SELECT seqs FROM message_postings WHERE epoch = ? AND key = ?")
        for epoch in epochs {
            let first: Int64 = epoch[0]
            for key in keys {
                guard let seqs = try Data.fetchOne(probe, arguments: [first, Int64(bitPattern: key)]) else { continue }
                found += try postings(seqs, epoch: first)
            }
        }
        let through: Int64 = epochs.last?[1] ?? 0
        let end = try SQLiteStore.lastSequence(db)
        if let tail = recent.sequences(of: keys, after: through, through: end) {
            return Array(Set(found + tail)).sorted()
        }
        var tail: [(key: UInt64, sequence: Int64)] = []
        try SQLiteStore.forEachRecord(db, after: through) { sequence, record in
            Self.keys(of: record) { key in
                tail.append((key, sequence))
                if keys.contains(key) { found.append(sequence) }
            }
        }
        recent.remember(tail, after: through, through: end)
        return Array(Set(found)).sorted()
    }

    /// The sequences of the messages each group of ids finds, up to `last`, ascending: one pass over
    /// the index's epochs, then the blocks after them. A key is a hash, so a group may hold messages of
    /// other ids too: callers check the ids of what they read.
    static func sequences(of groups: [[IndexedID]], through last: Int64, _ db: Database) throws -> [[Int64]] {
        // The group of each key; a key of two groups (a hash shared by two ids) is in `shared`.
        var groupOfKey: [UInt64: Int32] = [:]
        var shared: [UInt64: [Int32]] = [:]
        groupOfKey.reserveCapacity(groups.reduce(0) { $0 + $1.count })
        for (index, ids) in groups.enumerated() {
            for id in ids {
                let key =
                    switch id {
                    case .user(let userId): userKey(userId)
                    case .anonymous(let anonymousId): anonymousKey(anonymousId)
                    case .account(let groupId): groupKey(groupId)
                    }
                if let other = groupOfKey[key], other != Int32(index) {
                    shared[key, default: [other]].append(Int32(index))
                } else {
                    groupOfKey[key] = Int32(index)
                }
            }
        }
        var found = [[Int64]](repeating: [], count: groups.count)
        func route(_ key: UInt64, _ sequences: [Int64]) {
            if let many = shared[key] {
                for index in Set(many) { found[Int(index)] += sequences }
            } else if let index = groupOfKey[key] {
                found[Int(index)] += sequences
            }
        }
        var epochs: [Int64: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT first_seq, last_seq FROM message_epochs") {
            epochs[row[0]] = row[1]
        }
        // Rows of an epoch not yet whole (not in `message_epochs`) are left out: its blocks are read below.
        let rows = try Row.fetchCursor(db, sql: "SELECT epoch, key, seqs FROM message_postings ORDER BY epoch, key")
        while let row = try rows.next() {
            let epoch: Int64 = row[0]
            guard let end = epochs[epoch], epoch <= last else { continue }
            let key = UInt64(bitPattern: row[1])
            guard shared[key] != nil || groupOfKey[key] != nil else { continue }
            let sequences = try postings(row[2], epoch: epoch)
            route(key, end <= last ? sequences : sequences.filter { $0 <= last })
        }
        let through = epochs.values.max() ?? 0
        if through < last {
            struct End: Error {}
            do {
                try SQLiteStore.forEachRecord(db, after: through) { sequence, record in
                    guard sequence <= last else { throw End() }
                    keys(of: record) { route($0, [sequence]) }
                }
            } catch is End {}
        }
        // Each key's sequences ascend; a group of several keys (and a group call found by its user and
        // its account) is sorted, without repeats.
        return found.map { sequences in
            sequences.indices.dropFirst().allSatisfy({ sequences[$0 - 1] < sequences[$0] })
                ? sequences : Array(Set(sequences)).sorted()
        }
    }
}

extension SQLiteStore {
    /// The sequence of the last stored message, 0 when there is none.
    static func lastSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT first_seq + count - 1 FROM message_blocks ORDER BY first_seq DESC LIMIT 1")
        ) ?? 0
    }

    /// Writes a filled block.
    static func insert(_ block: MessageBlock.Builder, _ db: Database) throws {
        // Replacing: an erasure of the last messages leaves an empty row where the next block begins
        // (``SQLiteStore/erase(profile:at:)``), so that the log's last sequence stays.
        let insert = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO message_blocks (first_seq, count, ids, data) VALUES (?, ?, ?, ?)")
        var binder = Binder()
        binder.reset(insert.sqliteStatement)
        binder.int(block.first)
        binder.int(Int64(block.count))
        binder.blob(block.ids)
        binder.blob(block.data())
        try binder.step(db)
    }

    /// Calls `body` with every block holding a message after `sequence`, oldest first.
    static func forEachBlock(
        _ db: Database, after sequence: Int64, _ body: (MessageBlock.Reader) throws -> Bool
    ) throws {
        let blocks = try db.cachedStatement(
            sql: """
                SELECT first_seq, count, data FROM message_blocks
                WHERE first_seq >= coalesce((SELECT max(first_seq) FROM message_blocks WHERE first_seq <= ?), 0)
                ORDER BY first_seq
                """)
        let rows = try Row.fetchCursor(blocks, arguments: [sequence + 1])
        while try rows.next() != nil {
            guard try body(try reader(blocks.sqliteStatement)) else { return }
        }
    }

    /// The block in the current row of a statement over `first_seq, count, data`.
    static func reader(_ statement: SQLiteStatement) throws -> MessageBlock.Reader {
        let first = sqlite3_column_int64(statement, 0)
        let count = Int(sqlite3_column_int64(statement, 1))
        let bytes = sqlite3_column_blob(statement, 2)
        let length = Int(sqlite3_column_bytes(statement, 2))
        return try MessageBlock.Reader(UnsafeRawBufferPointer(start: bytes, count: length), first: first, count: count)
    }

    /// Calls `body` with every record after `sequence`, with its sequence, oldest first.
    static func forEachRecord(
        _ db: Database, after sequence: Int64, _ body: (Int64, MessageBlock.Record) throws -> Void
    ) throws {
        try forEachBlock(db, after: sequence) { block in
            for index in block.positions(after: sequence) {
                try body(block.first + Int64(index), try block.record(index))
            }
            return true
        }
    }
}

/// The ids and content hashes of stored messages, read for the writer's duplicate checks; it keeps
/// the last block it read, as duplicates tend to come in stretches (a file imported again).
struct StoredIdentities {
    /// The block read last.
    private var block: (first: Int64, count: Int, data: Data)?

    /// The content hash of the message stored with id `messageId`, if one of `sequences` (those
    /// stored under its hash) is it; `pending` is the block the transaction is filling.
    mutating func contentHash(
        of messageId: String, among sequences: [Int64], pending: MessageBlock.Builder, _ db: Database
    ) throws -> Int64? {
        for sequence in sequences {
            let stored: (messageId: String, contentHash: Int64)
            if sequence >= pending.first {
                stored = try pending.identity(at: Int(sequence - pending.first))
            } else {
                stored = try identity(of: sequence, db)
            }
            if stored.messageId == messageId { return stored.contentHash }
        }
        return nil
    }

    private mutating func identity(of sequence: Int64, _ db: Database) throws -> (messageId: String, contentHash: Int64)
    {
        let block: (first: Int64, count: Int, data: Data)
        if let kept = self.block, sequence >= kept.first, sequence - kept.first < Int64(kept.count) {
            block = kept
        } else {
            let statement = try db.cachedStatement(
                sql:
                    "SELECT first_seq, count, data FROM message_blocks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1"
            )
            guard let row = try Row.fetchOne(statement, arguments: [sequence]), let data = row[2] as Data? else {
                throw DatabaseError(message: "message \(sequence) is indexed but not stored")
            }
            block = (row[0], row[1], data)
            self.block = block
        }
        return try block.data.withUnsafeBytes { bytes in
            let record = try MessageBlock.Reader(bytes, first: block.first, count: block.count).record(
                Int(sequence - block.first))
            return (record.string(record.messageId), record.contentHash)
        }
    }
}
