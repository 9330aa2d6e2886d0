/// Traits with latest-wins per key: the value from the message with the latest timestamp,
/// ties going to the message received later. A trait set to null becomes missing.
public struct TraitSet: Sendable, Hashable {
    /// When a trait value was set: event time, then receipt time, then arrival order.
    public struct Stamp: Sendable, Hashable, Comparable {
        /// The message's event time.
        public var time: Int64
        /// The message's receipt time.
        public var receivedAt: Int64
        /// The message's arrival order in the store.
        public var sequence: Int64

        /// A stamp from its parts.
        public init(time: Int64, receivedAt: Int64, sequence: Int64) {
            self.time = time
            self.receivedAt = receivedAt
            self.sequence = sequence
        }

        public static func < (a: Stamp, b: Stamp) -> Bool {
            (a.time, a.receivedAt, a.sequence) < (b.time, b.receivedAt, b.sequence)
        }
    }

    private var entries: [String: (value: JSONValue, stamp: Stamp)] = [:]

    /// An empty set.
    public init() {}

    /// Applies the traits of one message; a key keeps its value when it was set by a later message.
    public mutating func apply(_ traits: [String: JSONValue], stamp: Stamp) {
        for (key, value) in traits {
            if let existing = entries[key], existing.stamp > stamp { continue }
            entries[key] = (value, stamp)
        }
    }

    /// The current traits, without those set to null.
    public var values: [String: JSONValue] {
        entries.compactMapValues { $0.value == .null ? nil : $0.value }
    }

    /// One trait, or nil when missing.
    public subscript(key: String) -> JSONValue? {
        guard let value = entries[key]?.value, value != .null else { return nil }
        return value
    }

    public static func == (a: TraitSet, b: TraitSet) -> Bool { a.values == b.values }

    public func hash(into hasher: inout Hasher) { hasher.combine(values) }
}
