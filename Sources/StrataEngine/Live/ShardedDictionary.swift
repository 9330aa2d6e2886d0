/// A dictionary kept as many small ones (shards), each key in the shard its hash picks.
///
/// It behaves as one dictionary; the point is what a copy costs. A snapshot of the live engine shares
/// the engine's tables, and the first change to a shared Swift dictionary copies all of it, in the
/// middle of a step (25-45 ms for the tables of 100,000 users). Here a change copies only the list
/// of shards (4,096 references) and the shard it touches, so the copy is spread over the steps that
/// follow, a shard at a time (about 50 entries at 100,000 users).
struct ShardedDictionary<Key: Hashable, Value> {
    private var shards: [[Key: Value]]

    /// How many shards a table has: a power of two, so a shard is picked by masking the hash.
    static var shardCount: Int { 4_096 }

    init() {
        shards = Array(repeating: [:], count: Self.shardCount)
    }

    private static func shard(of key: Key) -> Int { key.hashValue & (shardCount - 1) }

    subscript(key: Key) -> Value? {
        get { shards[Self.shard(of: key)][key] }
        _modify { yield &shards[Self.shard(of: key)][key] }
    }

    subscript(key: Key, default value: @autoclosure () -> Value) -> Value {
        get { shards[Self.shard(of: key)][key] ?? value() }
        _modify { yield &shards[Self.shard(of: key)][key, default: value()] }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        shards[Self.shard(of: key)].removeValue(forKey: key)
    }

    /// How many keys there are (counted across the shards).
    var count: Int { shards.reduce(0) { $0 + $1.count } }

    /// Room for about `total` keys in all, without growing each shard as they come.
    mutating func reserveCapacity(_ total: Int) {
        let each = (total + Self.shardCount - 1) / Self.shardCount
        for index in shards.indices { shards[index].reserveCapacity(each) }
    }

    /// Empties the dictionary a shard at a time, calling `pause` after every 256 shards, so that what
    /// only this copy held is freed a little at a time.
    mutating func removeAll(pausing pause: () -> Void) {
        for index in shards.indices {
            shards[index] = [:]
            if index % 256 == 255 { pause() }
        }
    }

    /// The same keys with their values transformed.
    func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> ShardedDictionary<Key, T> {
        var result = ShardedDictionary<Key, T>()
        for index in shards.indices { result.shards[index] = try shards[index].mapValues(transform) }
        return result
    }
}

extension ShardedDictionary: Sequence {
    /// Every key and value, shard by shard (in no particular order, as a dictionary's).
    struct Iterator: IteratorProtocol {
        fileprivate var rest: IndexingIterator<[[Key: Value]]>
        fileprivate var current: [Key: Value].Iterator?

        mutating func next() -> (key: Key, value: Value)? {
            while true {
                if let element = current?.next() { return element }
                guard let shard = rest.next() else { return nil }
                current = shard.makeIterator()
            }
        }
    }

    func makeIterator() -> Iterator { Iterator(rest: shards.makeIterator(), current: nil) }

    var underestimatedCount: Int { count }
}

extension ShardedDictionary: Sendable where Key: Sendable, Value: Sendable {}
