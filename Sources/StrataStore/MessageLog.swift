import StrataCore

/// The durable log of messages: what every other part of Strata reads from.
///
/// Appends are atomic: a batch is stored whole or not at all, and a message id is stored once. The
/// blocking reads are for batch work and the live engine, which run off the cooperative pool.
public protocol MessageLog: Sendable {
    /// Stores valid messages (skipping ids already stored) and quarantines refused ones, in one transaction.
    func append(_ messages: [Message], quarantine: [QuarantineEntry]) async throws -> AppendResult

    /// ``append(_:quarantine:)`` for messages already in their stored form, which callers can work
    /// out in parallel, off the single writer: the parts in order, as the parallel workers made them
    /// (so they need not be copied into one array first). In the same transaction, the quarantine
    /// entries `releasing` names leave the quarantine, each unless one of its messages is a
    /// conflicting duplicate (a retried message that is now stored, or was already, is no longer lost).
    func append(
        storedParts parts: [[StoredMessage]], quarantine: [QuarantineEntry], releasing: [QuarantineRelease]
    ) async throws -> AppendResult

    /// Loads what appends need (the ids of the stored messages) before the first one, so that it does
    /// not wait for it; a server calls this as it starts.
    func prepareForAppends() async throws

    /// Indexes every stored message by profile, the newest however few, so that a later process looking
    /// a profile up reads no messages but that profile's; `strata import` calls this at its end (a
    /// writer otherwise indexes the newest messages once they are many).
    func indexAll() async throws

    /// Counts of what the store holds.
    func statistics() async throws -> StoreStatistics

    /// Runs `body` over one consistent view of the stored messages and identity links (see
    /// ``ProfileSource``): one read of the store, however many profiles `body` reads.
    func reading<T: Sendable>(_ body: @escaping @Sendable (any ProfileSource) throws -> T) async throws -> T

    /// The user ids with the most messages, busiest first (ties by id).
    func busiestUsers(limit: Int) async throws -> [(userId: String, messages: Int)]

    /// Quarantined messages, oldest first, of one reason code or all; all of them for a negative limit.
    func quarantined(reason: String?, limit: Int) async throws -> [QuarantineEntry]

    /// Calls `body` with every stored message after a sequence in arrival order (a blocking scan, for
    /// batch work). Without `includingContext`, messages come without their context and integrations
    /// objects; with `payloadKeys`, their properties and traits hold only the members under those keys.
    func forEachMessage(
        after sequence: Int64, includingContext: Bool, payloadKeys: Set<String>?,
        _ body: (Int64, Message) throws -> Void
    ) throws

    /// The stored messages after a sequence, oldest first, at most `limit` of them, without context
    /// and integrations and with only the properties and traits under `payloadKeys` (none at all, and
    /// not even read, when it is empty). A blocking read, for the real-time engine to follow the log.
    func messages(
        after sequence: Int64, limit: Int, payloadKeys: Set<String>
    ) throws -> [(sequence: Int64, message: Message)]

    /// The sequence of the last stored message, 0 when there is none (a blocking read).
    func lastSequence() throws -> Int64

    /// The stored messages of the given sequences, in ascending sequence order, without their context
    /// and integrations objects and with only the properties and traits under `payloadKeys` (nil for
    /// all); sequences not stored are skipped. A blocking read, for the live engine between commits.
    func messages(sequences: [Int64], payloadKeys: Set<String>?) throws -> [(sequence: Int64, message: Message)]

    /// Calls `body` with every stored message id in arrival order (a blocking scan).
    func forEachMessageId(_ body: (String) throws -> Void) throws

    /// The sequences of the messages each group of ids finds, up to `last`, ascending: what the live
    /// engine's clusters hold when it starts, read from the index in one pass (a blocking read).
    /// Like every read of the index, a group may find messages of other ids too (its keys are hashes):
    /// callers check the ids of the messages they read.
    func sequences(of groups: [[IndexedID]], through last: Int64) throws -> [[Int64]]
}

/// What an append did.
public struct AppendResult: Sendable, Equatable {
    /// Messages stored now.
    public var inserted = 0
    /// Messages whose id was already stored (or repeated within the batch); they were not stored again.
    public var duplicates = 0
    /// Of the duplicates, those whose content differs from the stored message.
    public var conflicting = 0
    /// Refused messages written to quarantine.
    public var quarantined = 0
    /// Refused messages already in quarantine (the same source, position, reason and bytes), not
    /// written again.
    public var alreadyQuarantined = 0
    /// Quarantine entries released (see ``MessageLog/append(storedParts:quarantine:releasing:)``).
    public var released = 0
    /// Messages refused because they name an erased id (``ErasureStore``): not stored, and not
    /// quarantined either, since that would keep the erased person's data.
    public var erased = 0
    /// What became of each appended message, in order.
    public var fates: [Fate] = []
    /// The positions (among the appended messages, from 0) of the conflicting duplicates.
    public var conflicts: [Int] = []
    /// The log sequence of each message stored now, in the order of their fates.
    public var storedSequences: [Int64] = []

    /// What became of one appended message.
    public enum Fate: Sendable, Equatable {
        /// Stored now.
        case stored
        /// Its id was already stored (or repeated within the batch).
        case duplicate
        /// Refused: it names an erased id.
        case erased
    }

    /// For each appended message, whether it was a duplicate.
    public var duplicateFlags: [Bool] { fates.map { $0 == .duplicate } }

    /// An empty result.
    public init() {}

    /// Adds another result's counts (fates and conflict positions are concatenated, positions shifted
    /// by the messages before them).
    public mutating func add(_ other: AppendResult) {
        inserted += other.inserted
        duplicates += other.duplicates
        conflicting += other.conflicting
        quarantined += other.quarantined
        alreadyQuarantined += other.alreadyQuarantined
        released += other.released
        erased += other.erased
        conflicts += other.conflicts.map { $0 + fates.count }
        fates += other.fates
        storedSequences += other.storedSequences
    }
}

/// Counts of what a store holds.
public struct StoreStatistics: Sendable, Equatable {
    /// Stored messages.
    public var messages: Int
    /// Stored messages by type.
    public var messagesByKind: [Message.Kind: Int]
    /// Quarantined messages.
    public var quarantined: Int
    /// Quarantined messages by reason code.
    public var quarantinedByReason: [String: Int]
    /// Duplicates refused since the store was created.
    public var duplicates: Int
    /// Of those, the ones whose content differed.
    public var conflicting: Int
    /// Distinct event names.
    public var eventNames: [String]
    /// The trait names stored identify and group calls carry.
    public var traitNames: TraitNames
    /// The earliest and latest event time.
    public var firstEvent: Int64?
    /// See ``firstEvent``.
    public var lastEvent: Int64?
    /// Bytes the database files take on disk.
    public var bytesOnDisk: Int64
}

/// A refused message as kept in quarantine: nothing a client sent is lost.
public struct QuarantineEntry: Sendable, Equatable {
    /// The entry's number in the quarantine, once stored.
    public var id: Int64?
    /// Where it came from: `file:line` for imports, the request for the server.
    public var source: String
    /// The position within a batch.
    public var index: Int
    /// The reason code (``MessageError/Reason``).
    public var reason: String
    /// The field at fault, if any.
    public var field: String?
    /// What was wrong.
    public var detail: String
    /// The raw bytes as received.
    public var raw: [UInt8]
    /// When it was received.
    public var receivedAt: Int64

    /// An entry from its parts.
    public init(
        source: String, index: Int, reason: String, field: String?, detail: String, raw: [UInt8], receivedAt: Int64
    ) {
        self.source = source
        self.index = index
        self.reason = reason
        self.field = field
        self.detail = detail
        self.raw = raw
        self.receivedAt = receivedAt
    }

    /// What makes an entry the same as another: its source, position, reason and bytes (16 bytes).
    /// A file imported twice quarantines its bad lines once.
    public var fingerprint: [UInt8] {
        var bytes = Array(source.utf8) + [0] + Array(String(index).utf8) + [0] + Array(reason.utf8) + [0]
        bytes += raw
        let (a, b) = Hash.hash128(bytes)
        return withUnsafeBytes(of: (a.bigEndian, b.bigEndian)) { Array($0) }
    }

    /// An entry for a refused message.
    public init(source: String, index: Int, error: MessageError, raw: [UInt8], receivedAt: Int64) {
        self.init(
            source: source, index: index, reason: error.reason.rawValue, field: error.field, detail: error.message,
            raw: raw, receivedAt: receivedAt)
    }
}

/// A quarantine entry to release as its messages are appended (see
/// ``MessageLog/append(storedParts:quarantine:releasing:)``).
public struct QuarantineRelease: Sendable, Equatable {
    /// The entry's number in the quarantine.
    public var id: Int64
    /// The positions (among the appended messages, from 0) of the messages it was decoded to.
    public var messages: Range<Int>

    /// A release from its parts.
    public init(id: Int64, messages: Range<Int>) {
        self.id = id
        self.messages = messages
    }

    /// The entries to delete: those of `releases` none of whose messages is a conflicting duplicate.
    static func released(_ releases: [QuarantineRelease], conflicts: [Int]) -> [Int64] {
        let conflicting = Set(conflicts)
        return releases.filter { !$0.messages.contains(where: conflicting.contains) }.map(\.id)
    }
}

extension MessageLog {
    /// ``append(storedParts:quarantine:releasing:)`` releasing nothing.
    public func append(
        storedParts parts: [[StoredMessage]], quarantine: [QuarantineEntry]
    ) async throws
        -> AppendResult
    {
        try await append(storedParts: parts, quarantine: quarantine, releasing: [])
    }

    /// ``append(storedParts:quarantine:)`` for messages in one array.
    public func append(stored messages: [StoredMessage], quarantine: [QuarantineEntry]) async throws -> AppendResult {
        try await append(storedParts: [messages], quarantine: quarantine)
    }

    /// Quarantined messages of every reason, oldest first.
    public func quarantined(limit: Int) async throws -> [QuarantineEntry] {
        try await quarantined(reason: nil, limit: limit)
    }

    /// Every stored message in arrival order (see ``forEachMessage(after:includingContext:payloadKeys:_:)``).
    public func forEachMessage(
        includingContext: Bool, payloadKeys: Set<String>? = nil, _ body: (Int64, Message) throws -> Void
    ) throws {
        try forEachMessage(after: 0, includingContext: includingContext, payloadKeys: payloadKeys, body)
    }
}
