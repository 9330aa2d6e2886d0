import StrataCore

/// The messages of clusters kept in memory, so that evaluating a cluster reads no store: a cluster
/// is either held whole (every message it has, in sequence order) or not at all. With its messages a
/// cluster keeps them staged for building timelines (``TimelineStage``): staged when first needed,
/// extended by each new message, staged again after a join.
///
/// The cache holds at most `capacity` messages. Past that, the clusters used least recently (given a
/// message or evaluated) are dropped until a quarter of the room is free, and are read back from the
/// store when next needed.
struct ClusterCache {
    /// A held message and its sequence. A struct rather than a tuple: reading one in place then needs
    /// no generic copy of the whole message.
    struct Held: Sendable {
        let sequence: Int64
        let message: Message
    }

    typealias Messages = [Held]

    /// A held cluster. A class, so that finding one in the table and changing it copies nothing.
    private final class Entry {
        var messages: Messages
        var stage: TimelineStage?
        var used: UInt64

        init(messages: Messages, stage: TimelineStage? = nil, used: UInt64) {
            self.messages = messages
            self.stage = stage
            self.used = used
        }
    }

    /// The most messages held.
    let capacity: Int
    /// What stages keep.
    let layout: StageLayout
    /// The messages held now.
    private(set) var count = 0
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int, layout: StageLayout) {
        self.capacity = max(0, capacity)
        self.layout = layout
    }

    /// Whether a cluster is held.
    func holds(_ root: String) -> Bool { entries[root] != nil }

    /// The messages of a cluster and their stage, if held, marking it used.
    mutating func messages(of root: String) -> (messages: Messages, stage: TimelineStage)? {
        guard let entry = entries[root] else { return nil }
        clock += 1
        entry.used = clock
        if let stage = entry.stage { return (entry.messages, stage) }
        let stage = Self.stage(entry.messages, layout: layout)
        entry.stage = stage
        return (entry.messages, stage)
    }

    /// Messages of a cluster (ascending sequence) staged.
    static func stage(_ messages: Messages, layout: StageLayout) -> TimelineStage {
        var stage = TimelineStage(layout: layout)
        messages.withUnsafeBufferPointer { held in
            for i in held.indices { stage.add(sequence: held[i].sequence, message: held[i].message) }
        }
        return stage
    }

    /// Stages every held cluster not staged yet.
    mutating func stageAll() {
        for entry in entries.values where entry.stage == nil {
            entry.stage = Self.stage(entry.messages, layout: layout)
        }
    }

    /// Holds every message of a cluster (ascending sequence), then makes room if needed.
    mutating func hold(_ messages: Messages, of root: String) {
        drop(root)
        guard messages.count <= capacity else { return }
        clock += 1
        entries[root] = Entry(
            messages: messages.map { Held(sequence: $0.sequence, message: Self.slim($0.message)) }, used: clock)
        count += messages.count
        trim()
    }

    /// Adds a cluster's newest message when the cluster is held, marking it used.
    mutating func append(_ message: Message, sequence: Int64, to root: String) {
        guard let entry = entries[root] else { return }
        clock += 1
        entry.used = clock
        let held = Held(sequence: sequence, message: Self.slim(message))
        entry.messages.append(held)
        entry.stage?.add(sequence: sequence, message: held.message)
        count += 1
        trim()
    }

    /// Joins two clusters under `keep`: held whole when both parts are (a part with no messages
    /// counts as held), otherwise dropped, to be read back whole.
    mutating func join(_ gone: String, into keep: String, goneIsEmpty: Bool, keepIsEmpty: Bool) {
        let moved = entries[gone]
        drop(gone)
        switch (moved?.messages, entries[keep]?.messages) {
        case (let a?, let b?):
            // Both in sequence order: merged, still in order.
            var merged: Messages = []
            merged.reserveCapacity(a.count + b.count)
            var (i, j) = (0, 0)
            while i < a.count || j < b.count {
                if j == b.count || (i < a.count && a[i].sequence < b[j].sequence) {
                    merged.append(a[i])
                    i += 1
                } else {
                    merged.append(b[j])
                    j += 1
                }
            }
            entries[keep]?.messages = merged
            entries[keep]?.stage = nil
            count += a.count
        case (let a?, nil) where keepIsEmpty:
            clock += 1
            entries[keep] = Entry(messages: a, stage: moved?.stage, used: clock)
            count += a.count
        case (nil, _?) where goneIsEmpty:
            break
        default:
            drop(keep)
        }
    }

    private mutating func drop(_ root: String) {
        if let removed = entries.removeValue(forKey: root) { count -= removed.messages.count }
    }

    /// Drops the least recently used clusters once over capacity, down to three quarters of it.
    private mutating func trim() {
        guard count > capacity else { return }
        let target = capacity - capacity / 4
        for (root, _) in entries.sorted(by: { $0.value.used < $1.value.used }) {
            guard count > target else { break }
            drop(root)
        }
    }

    /// What evaluation reads of a message: its id and context are not kept.
    private static func slim(_ message: Message) -> Message {
        var slim = message
        slim.messageId = ""
        slim.context = nil
        slim.integrations = nil
        return slim
    }
}
