import Foundation
import GRDB
import StrataCore

/// The shipped migration `v5-message-blocks`, frozen: it moves the messages from one row each to the
/// block format of that version, keeping their sequences. Its encoder is a copy of the block format
/// as it was shipped, so that editing ``MessageBlock`` (or ``StoredMessage``) never edits what this
/// migration writes; a later change of the format comes with a migration of its own.
///
/// The profile index is not part of the move: it is derived from the blocks, and the store writes
/// the epochs a moved store lacks when it opens (``SQLiteStore/indexMovedBlocks(_:every:)``).
enum MessageBlocksMigration {
    /// A block stops taking messages once its records reach this many bytes, or this many messages.
    static let targetBytes = 16_384
    /// See ``targetBytes``.
    static let maximumCount = 256

    /// Creates the block and index tables, moves every row of `messages` into blocks, and drops the
    /// rows and the event names only refused duplicates had interned.
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE message_blocks (
                    first_seq INTEGER PRIMARY KEY,
                    count INTEGER NOT NULL,
                    ids BLOB NOT NULL,
                    data BLOB NOT NULL
                );
                CREATE TABLE message_postings (
                    epoch INTEGER NOT NULL,
                    key INTEGER NOT NULL,
                    seqs BLOB NOT NULL,
                    PRIMARY KEY (epoch, key)
                ) WITHOUT ROWID;
                CREATE TABLE message_epochs (
                    first_seq INTEGER PRIMARY KEY,
                    last_seq INTEGER NOT NULL
                );
                """)
        let insert = try db.makeStatement(
            sql: "INSERT INTO message_blocks (first_seq, count, ids, data) VALUES (?, ?, ?, ?)")
        var block: Block?
        var last: Int64 = 0
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT seq, message_id, kind, user_id, anonymous_id, event_id, timestamp, received_at, sent_at,
                    group_id, previous_id, payload, extra, content_hash
                FROM messages ORDER BY seq
                """)
        while let row = try rows.next() {
            let sequence: Int64 = row[0]
            let kind: Int64 = row[2]
            guard Message.Kind(code: Int(kind)) != nil else {
                throw DatabaseError(message: "message \(sequence) has an unknown kind")
            }
            if let filled = block, filled.isFull || sequence != last + 1 {
                try filled.insert(insert)
                block = nil
            }
            if block == nil { block = Block(first: sequence) }
            block?.append(row, kind: UInt8(kind))
            last = sequence
        }
        try block?.insert(insert)
        try db.execute(
            sql: """
                DELETE FROM event_names WHERE id NOT IN (SELECT event_id FROM messages WHERE event_id IS NOT NULL);
                DROP TABLE messages;
                """)
    }

    /// A block of the v5 format being filled: an offset table then the records, and the message ids'
    /// hashes.
    private struct Block {
        let first: Int64
        var records: [UInt8] = []
        var offsets: [UInt32] = []
        var ids: [UInt8] = []

        init(first: Int64) { self.first = first }

        var isFull: Bool { records.count >= targetBytes || offsets.count >= maximumCount }

        /// Appends a row of `messages` as a record: the kind, a presence mask (userId 1, anonymousId 2,
        /// event 4, timestamp 8, sentAt 16, groupId 32, previousId 64, payload 128, extra 256), receivedAt
        /// and the content hash, then the present timestamp, sentAt and event id (a varint), then the
        /// message id and the present texts, each a varint length and its bytes.
        mutating func append(_ row: Row, kind: UInt8) {
            let messageId: String = row[1]
            let (userId, anonymousId, groupId, previousId): (String?, String?, String?, String?) = (
                row[3], row[4], row[9], row[10]
            )
            let (eventId, timestamp, sentAt): (Int64?, Int64?, Int64?) = (row[5], row[6], row[8])
            let (payload, extra): (String?, String?) = (row[11], row[12])
            offsets.append(UInt32(records.count))
            var hashed = messageId
            let hash = hashed.withUTF8 { Hash.key64($0) }
            withUnsafeBytes(of: hash.littleEndian) { ids.append(contentsOf: $0) }
            var presence: UInt16 = 0
            for (bit, present) in [
                userId != nil, anonymousId != nil, eventId != nil, timestamp != nil, sentAt != nil, groupId != nil,
                previousId != nil, payload != nil, extra != nil,
            ].enumerated() where present {
                presence |= 1 << bit
            }
            records.append(kind)
            withUnsafeBytes(of: presence.littleEndian) { records.append(contentsOf: $0) }
            fixed(row[7])
            fixed(row[13])
            if let timestamp { fixed(timestamp) }
            if let sentAt { fixed(sentAt) }
            if let eventId { varint(UInt64(eventId)) }
            for text in [messageId, userId, anonymousId, groupId, previousId, payload, extra].compactMap({ $0 }) {
                var text = text
                text.withUTF8 { bytes in
                    varint(UInt64(bytes.count))
                    records.append(contentsOf: bytes)
                }
            }
        }

        func insert(_ statement: Statement) throws {
            var data: [UInt8] = []
            for offset in offsets { withUnsafeBytes(of: offset.littleEndian) { data.append(contentsOf: $0) } }
            data.append(contentsOf: records)
            try statement.execute(arguments: [first, offsets.count, Data(ids), Data(data)])
        }

        private mutating func fixed(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { records.append(contentsOf: $0) }
        }

        private mutating func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                records.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            records.append(UInt8(value))
        }
    }
}
