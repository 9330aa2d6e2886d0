import StrataCore
import Synchronization

/// A store held in memory only, with the same meaning as ``SQLiteStore`` for every method: for tests of
/// the engine and the server, and for work that need not outlive the process.
///
/// Messages are kept in their stored form (``StoredMessage``) and read back as SQLite reads its
/// records, so both stores give the same messages. Each part (the message log, the change log, keys
/// and models, the delivery log) is behind a lock of its own; a batch is appended whole under its lock,
/// so an append is atomic as SQLite's transaction is. Nothing is on disk: ``StoreStatistics/bytesOnDisk`` is 0.
public final class MemoryStore: Store {
    /// The message log, the identity links and quarantine.
    let log = Mutex(MessageLogState())
    /// The change log, the live members, the checkpoint, consumers' cursors and batch runs.
    let changeLog = Mutex(ChangeLogState())
    /// API keys and trained models.
    let keysAndModels = Mutex(KeysAndModelsState())
    /// The delivery log and the destinations turned off.
    let deliveryLog = Mutex(DeliveryLogState())
    /// The unsubscribes and the link-signing key.
    let suppressions = Mutex(SuppressionState())

    /// An empty store.
    public init() {}

    // MARK: Writing

    /// Stores valid messages (skipping ids already stored) and quarantines refused ones, atomically.
    public func append(_ messages: [Message], quarantine: [QuarantineEntry]) async throws -> AppendResult {
        try await append(stored: messages.map(StoredMessage.init), quarantine: quarantine)
    }

    /// ``append(_:quarantine:)`` for messages already in their stored form, the parts in order,
    /// releasing quarantine entries.
    public func append(
        storedParts parts: [[StoredMessage]], quarantine: [QuarantineEntry], releasing: [QuarantineRelease]
    ) async throws -> AppendResult {
        log.withLock { $0.append(parts, quarantine: quarantine, releasing: releasing) }
    }

    /// Nothing to load: the ids of the stored messages are always in memory.
    public func prepareForAppends() async throws {}

    /// Nothing to do: the memory store looks profiles up by reading every message.
    public func indexAll() async throws {}

    // MARK: Reading

    /// Counts of what the store holds; nothing is on disk.
    public func statistics() async throws -> StoreStatistics {
        log.withLock { $0.statistics }
    }

    /// The identity graph built from every link at or before an instant, earliest first (ties by the
    /// sequence of the message that made the link).
    public func identityGraph(asOf: Int64) async throws -> IdentityGraph {
        let links = log.withLock { $0.links.filter { $0.value.time <= asOf } }
        var graph = IdentityGraph()
        for (link, made) in links.sorted(by: { ($0.value.time, $0.value.sequence) < ($1.value.time, $1.value.sequence) }
        ) {
            link.add(to: &graph, time: made.time)
        }
        return graph
    }

    /// The identity graph of the links that join an id to others, at or before an instant.
    public func identityGraph(around id: String, asOf: Int64) async throws -> IdentityGraph {
        try await reading { try $0.identityGraph(around: id, asOf: asOf) }
    }

    /// Runs `body` under the message log's lock, so what it reads is one consistent view.
    public func reading<T: Sendable>(_ body: @escaping @Sendable (any ProfileSource) throws -> T) async throws -> T {
        try log.withLock { state in try body(Source(state: state)) }
    }

    /// The message log's state, read under its lock.
    private struct Source: ProfileSource {
        let state: MessageLogState

        func identityGraph(around id: String, asOf: Int64) throws -> IdentityGraph {
            let links = state.links.filter { $0.value.time <= asOf }
            return IdentityLink.component(around: id) { ids in
                links.filter { ids.contains($0.key.from) || ids.contains($0.key.to) }.map {
                    ($0.key, $0.value.time, $0.value.sequence)
                }
            }
        }

        /// The messages carrying one of the user ids, and those without a userId carrying one of the
        /// anonymous ids, in arrival order, with their context.
        func messages(of ids: [IdentityGraph.Node]) throws -> [(sequence: Int64, message: Message)] {
            var sequences = Set<Int64>()
            for node in ids {
                sequences.formUnion((node.isUser ? state.byUser[node.id] : state.byAnonymous[node.id]) ?? [])
            }
            return try MemoryStore.read(state.stored(sequences.sorted()), includingContext: true, payloadKeys: nil)
        }

        /// Every group call of an account, in arrival order, with its context.
        func groupCalls(account: String) throws -> [(sequence: Int64, message: Message)] {
            try MemoryStore.read(state.stored(state.byAccount[account] ?? []), includingContext: true, payloadKeys: nil)
        }
    }

    /// The user ids with the most messages, busiest first (ties by id).
    public func busiestUsers(limit: Int) async throws -> [(userId: String, messages: Int)] {
        let counts = log.withLock { $0.byUser.mapValues(\.count) }
        let busiest = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        return busiest.prefix(max(0, limit)).map { (userId: $0.key, messages: $0.value) }
    }

    /// Quarantined messages, oldest first (all of them for a negative limit, as SQLite's `LIMIT`).
    public func quarantined(reason: String?, limit: Int) async throws -> [QuarantineEntry] {
        log.withLock { log in
            Array(log.quarantine.filter { reason == nil || $0.reason == reason }.prefix(limit < 0 ? .max : limit))
        }
    }

    /// Calls `body` with every stored message after a sequence in arrival order, the store unlocked
    /// while it runs.
    public func forEachMessage(
        after first: Int64, includingContext: Bool, payloadKeys: Set<String>?, _ body: (Int64, Message) throws -> Void
    ) throws {
        let stored = log.withLock { $0.stored }
        for (index, message) in stored.enumerated() where Int64(index + 1) > first {
            try body(
                Int64(index + 1), try message.message(includingContext: includingContext, payloadKeys: payloadKeys))
        }
    }

    /// The stored messages after a sequence, oldest first, at most `limit` of them, without context.
    public func messages(
        after sequence: Int64, limit: Int, payloadKeys: Set<String>
    ) throws -> [(sequence: Int64, message: Message)] {
        let found = log.withLock { state in
            let start = Int64(clamping: max(0, sequence))
            let end = min(Int64(state.stored.count), start &+ Int64(max(0, limit)))
            return start < end ? state.stored(Array(start + 1...end)) : []
        }
        return try Self.read(found, includingContext: false, payloadKeys: payloadKeys)
    }

    /// The sequence of the last stored message, 0 when there is none.
    public func lastSequence() throws -> Int64 {
        log.withLock { Int64($0.stored.count) }
    }

    /// The stored messages of the given sequences, ascending, without context; others are skipped.
    public func messages(
        sequences: [Int64], payloadKeys: Set<String>?
    ) throws -> [(sequence: Int64, message: Message)] {
        let found = log.withLock { $0.stored(Set(sequences).sorted()) }
        return try Self.read(found, includingContext: false, payloadKeys: payloadKeys)
    }

    /// Calls `body` with every stored message id in arrival order, the store unlocked while it runs.
    public func forEachMessageId(_ body: (String) throws -> Void) throws {
        let stored = log.withLock { $0.stored }
        for message in stored { try body(message.messageId) }
    }

    /// The sequences of the messages each group of ids finds, up to `last`, ascending (exactly: the
    /// store's index here is keyed by the ids themselves).
    public func sequences(of groups: [[IndexedID]], through last: Int64) throws -> [[Int64]] {
        log.withLock { state in
            groups.map { ids in
                var found = Set<Int64>()
                for id in ids {
                    let sequences: [Int64]? =
                        switch id {
                        case .user(let userId): state.byUser[userId]
                        case .anonymous(let anonymousId): state.byAnonymous[anonymousId]
                        case .account(let groupId): state.byAccount[groupId]
                        }
                    found.formUnion((sequences ?? []).prefix { $0 <= last })
                }
                return found.sorted()
            }
        }
    }

    /// Stored messages read back as messages, with their sequences.
    fileprivate static func read(
        _ found: [(sequence: Int64, message: StoredMessage)], includingContext: Bool, payloadKeys: Set<String>?
    ) throws -> [(sequence: Int64, message: Message)] {
        try found.map {
            ($0.sequence, try $0.message.message(includingContext: includingContext, payloadKeys: payloadKeys))
        }
    }
}
