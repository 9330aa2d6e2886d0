import GRDB
import StrataCore

/// Consecutive messages stored together as one row of `message_blocks`: the store's message log.
///
/// A block holds the messages of sequences `first ..< first + count`. Its `data` is a table of
/// `count` record offsets (4 bytes each, little endian, from the end of the table) followed by the
/// records; its `ids` holds the ``Hash/key64(_:)`` of each message id (8 bytes each), so the
/// writer can learn every stored id without reading the records.
///
/// A record: the kind (1 byte), which optional fields are present (2 bytes), receivedAt and the
/// content hash (8 bytes each), then when present the timestamp and sentAt (8 bytes each) and the
/// event name's id (a varint), then the message id and when present userId, anonymousId, groupId,
/// previousId, payload and extra, each as a varint length and its bytes.
enum MessageBlock {
    /// A block stops taking messages once its records reach this many bytes...
    static let targetBytes = 16_384
    /// ...or it holds this many messages.
    static let maximumCount = 256

    /// Which optional fields a record holds.
    struct Presence: OptionSet {
        let rawValue: UInt16
        static let userId = Presence(rawValue: 1 << 0)
        static let anonymousId = Presence(rawValue: 1 << 1)
        static let event = Presence(rawValue: 1 << 2)
        static let timestamp = Presence(rawValue: 1 << 3)
        static let sentAt = Presence(rawValue: 1 << 4)
        static let groupId = Presence(rawValue: 1 << 5)
        static let previousId = Presence(rawValue: 1 << 6)
        static let payload = Presence(rawValue: 1 << 7)
        static let extra = Presence(rawValue: 1 << 8)
    }

    /// A block being filled by the writer.
    struct Builder {
        /// The sequence of its first message.
        let first: Int64
        private(set) var records: [UInt8] = []
        private(set) var offsets: [UInt32] = []
        private(set) var ids: [UInt8] = []

        init(first: Int64) {
            self.first = first
            records.reserveCapacity(MessageBlock.targetBytes + 1024)
        }

        var count: Int { offsets.count }
        var isEmpty: Bool { offsets.isEmpty }
        var isFull: Bool { records.count >= MessageBlock.targetBytes || offsets.count >= MessageBlock.maximumCount }

        /// Adds a message as the block's next record.
        mutating func append(_ message: StoredMessage, eventId: Int64?, idHash: UInt64) {
            offsets.append(UInt32(records.count))
            withUnsafeBytes(of: idHash.littleEndian) { ids.append(contentsOf: $0) }
            var presence: Presence = []
            if message.userId != nil { presence.insert(.userId) }
            if message.anonymousId != nil { presence.insert(.anonymousId) }
            if eventId != nil { presence.insert(.event) }
            if message.timestamp != nil { presence.insert(.timestamp) }
            if message.sentAt != nil { presence.insert(.sentAt) }
            if message.groupId != nil { presence.insert(.groupId) }
            if message.previousId != nil { presence.insert(.previousId) }
            if message.payload != nil { presence.insert(.payload) }
            if message.extra != nil { presence.insert(.extra) }
            records.append(UInt8(message.kind.code))
            withUnsafeBytes(of: presence.rawValue.littleEndian) { records.append(contentsOf: $0) }
            fixed(message.receivedAt)
            fixed(message.contentHash)
            if let timestamp = message.timestamp { fixed(timestamp) }
            if let sentAt = message.sentAt { fixed(sentAt) }
            if let eventId { Varint.append(UInt64(eventId), to: &records) }
            text(message.messageId)
            if let userId = message.userId { text(userId) }
            if let anonymousId = message.anonymousId { text(anonymousId) }
            if let groupId = message.groupId { text(groupId) }
            if let previousId = message.previousId { text(previousId) }
            if let payload = message.payload { bytes(payload) }
            if let extra = message.extra { bytes(extra) }
        }

        /// The `data` column: the offset table, then the records.
        func data() -> [UInt8] {
            var data: [UInt8] = []
            data.reserveCapacity(offsets.count * 4 + records.count)
            for offset in offsets { withUnsafeBytes(of: offset.littleEndian) { data.append(contentsOf: $0) } }
            data.append(contentsOf: records)
            return data
        }

        /// The message id and content hash of the record at `index`.
        func identity(at index: Int) throws -> (messageId: String, contentHash: Int64) {
            guard index >= 0, index < offsets.count else { throw MessageBlock.damaged(first) }
            return try records.withUnsafeBytes { bytes in
                let end = index + 1 < offsets.count ? Int(offsets[index + 1]) : records.count
                let record = try Record(bytes, from: Int(offsets[index]), to: end, first: first)
                return (record.string(record.messageId), record.contentHash)
            }
        }

        private mutating func fixed(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { records.append(contentsOf: $0) }
        }

        private mutating func text(_ value: String) {
            var value = value
            value.withUTF8 { bytes in
                Varint.append(UInt64(bytes.count), to: &records)
                records.append(contentsOf: bytes)
            }
        }

        private mutating func bytes(_ value: [UInt8]) {
            Varint.append(UInt64(value.count), to: &records)
            records.append(contentsOf: value)
        }
    }

    /// The error for a block whose bytes do not hold what its row says.
    static func damaged(_ first: Int64) -> DatabaseError {
        DatabaseError(message: "the message block at sequence \(first) is damaged")
    }

    /// The records of a stored block's `data`, read in place.
    struct Reader {
        let first: Int64
        let count: Int
        private let bytes: UnsafeRawBufferPointer
        private let table: Int

        /// A reader over `data`, checked against the row's `count`.
        init(_ data: UnsafeRawBufferPointer, first: Int64, count: Int) throws {
            guard count >= 0, count <= data.count / 4 else { throw MessageBlock.damaged(first) }
            self.first = first
            self.count = count
            self.bytes = data
            self.table = count * 4
        }

        /// The positions of the records after a sequence.
        func positions(after sequence: Int64) -> Range<Int> {
            min(count, max(0, Int(clamping: sequence + 1 - first)))..<count
        }

        /// The record at `index` (of `0 ..< count`).
        func record(_ index: Int) throws -> Record {
            let range = try range(of: index)
            return try Record(bytes, from: range.lowerBound, to: range.upperBound, first: first)
        }

        /// The bytes of the record at `index` (of `0 ..< count`), as a block's `data` holds them.
        func recordBytes(_ index: Int) throws -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[try range(of: index)])
        }

        /// Where the record at `index` is in the block's `data`.
        private func range(of index: Int) throws -> Range<Int> {
            guard index >= 0, index < count else { throw MessageBlock.damaged(first) }
            let start = table + Int(offset(index))
            let end = index + 1 < count ? table + Int(offset(index + 1)) : bytes.count
            guard start <= end, end <= bytes.count else { throw MessageBlock.damaged(first) }
            return start..<end
        }

        private func offset(_ index: Int) -> UInt32 {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
        }
    }

    /// One record's fields, as byte ranges of the buffer it was read from.
    struct Record {
        let bytes: UnsafeRawBufferPointer
        let kind: Message.Kind
        let receivedAt: Int64
        let contentHash: Int64
        var timestamp: Int64?
        var sentAt: Int64?
        var eventId: Int64?
        var messageId: Range<Int> = 0..<0
        var userId: Range<Int>?
        var anonymousId: Range<Int>?
        var groupId: Range<Int>?
        var previousId: Range<Int>?
        var payload: Range<Int>?
        var extra: Range<Int>?

        /// Reads the record in `bytes[start ..< end]`; throws when it does not fit or is not a record.
        init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, first: Int64) throws {
            guard start >= 0, start <= end, end <= bytes.count else { throw MessageBlock.damaged(first) }
            var cursor = StoredBytesReader(bytes, from: start, to: end, source: .block(first))
            guard let kind = Message.Kind(code: Int(try cursor.byte())) else { throw MessageBlock.damaged(first) }
            let presence = Presence(rawValue: UInt16(try cursor.byte()) | UInt16(try cursor.byte()) << 8)
            self.bytes = bytes
            self.kind = kind
            receivedAt = try cursor.fixed()
            contentHash = try cursor.fixed()
            if presence.contains(.timestamp) { timestamp = try cursor.fixed() }
            if presence.contains(.sentAt) { sentAt = try cursor.fixed() }
            if presence.contains(.event) { eventId = Int64(bitPattern: try cursor.varint()) }
            messageId = try cursor.slice()
            if presence.contains(.userId) { userId = try cursor.slice() }
            if presence.contains(.anonymousId) { anonymousId = try cursor.slice() }
            if presence.contains(.groupId) { groupId = try cursor.slice() }
            if presence.contains(.previousId) { previousId = try cursor.slice() }
            if presence.contains(.payload) { payload = try cursor.slice() }
            if presence.contains(.extra) { extra = try cursor.slice() }
        }

        /// The bytes of a field.
        func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: bytes.assumingMemoryBound(to: UInt8.self)[range])
        }

        /// A field as a string.
        func string(_ range: Range<Int>) -> String { String(decoding: slice(range), as: UTF8.self) }

        /// A field as a string, nil when absent.
        func string(_ range: Range<Int>?) -> String? { range.map { string($0) } }

        /// Whether a field holds exactly these bytes.
        func field(_ range: Range<Int>?, equals value: String) -> Bool {
            guard let range else { return false }
            var value = value
            return value.withUTF8 { $0.elementsEqual(slice(range)) }
        }

        /// The message, with the event name looked up in `names`. Without `includingContext`, context and
        /// integrations are left out; with `payloadKeys`, properties and traits keep only those keys (and
        /// are not even read when it is empty).
        func message(names: [Int64: String], includingContext: Bool, payloadKeys: Set<String>?) throws -> Message {
            try Message(
                stored: kind, messageId: string(messageId), userId: string(userId), anonymousId: string(anonymousId),
                event: eventId.flatMap { names[$0] }, groupId: string(groupId), previousId: string(previousId),
                timestamp: timestamp, sentAt: sentAt, receivedAt: receivedAt, payload: payload.map { slice($0) },
                extra: extra.map { slice($0) }, includingContext: includingContext, payloadKeys: payloadKeys)
        }
    }
}
