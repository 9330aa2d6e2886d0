/// A dictionary kept as many small ones (shards), each key in the shard its hash picks.
///
/// It behaves as one dictionary; the point is what a copy costs. A snapshot of the live engine shares
/// the engine's tables, and the first change to a shared Swift dictionary copies all of it, in the
/// middle of a step (25-45 ms for the tables of 100,000 users). Here a change copies only the list
/// of shards and the shard it touches, so the copy is spread over the steps that follow, a shard at
/// a time.
///
/// Shards are split one at a time as keys come (linear hashing), so that a shard holds about
/// ``keysPerShard`` keys however large the table grows. With a fixed 4,096 shards, a shard at
/// 1,000,000 users held 250 keys, and each step for a second after a snapshot took 6-25 ms longer
/// copying them. Smaller shards make the first change after a snapshot dearer instead, as the list
/// of shards it copies holds a reference to each (16 keys a shard: 27 ms at 1,000,000 users).
struct ShardedDictionary<Key: Hashable, Value> {
    private var shards: [[Key: Value]] = [[:]]
    /// The shards at the start of the current round of splits: a power of two.
    private var base = 1
    /// The shards below this one are split in the current round: their keys are picked by one more
    /// bit of the hash.
    private var split = 0
    /// How many keys there are.
    private(set) var count = 0

    /// The keys a shard holds on average before the next one is split.
    static var keysPerShard: Int { 48 }

    init() {}

    /// How many shards there are.
    var shardCount: Int { shards.count }

    private func shard(of key: Key) -> Int {
        let hash = key.hashValue
        let index = hash & (base - 1)
        return index < split ? hash & (2 * base - 1) : index
    }

    subscript(key: Key) -> Value? {
        get { shards[shard(of: key)][key] }
        _modify {
            let index = shard(of: key)
            let before = shards[index].count
            defer { counted(shards[index].count - before) }
            yield &shards[index][key]
        }
    }

    subscript(key: Key, default value: @autoclosure () -> Value) -> Value {
        get { shards[shard(of: key)][key] ?? value() }
        _modify {
            let index = shard(of: key)
            let before = shards[index].count
            defer { counted(shards[index].count - before) }
            yield &shards[index][key, default: value()]
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Value? {
        let removed = shards[shard(of: key)].removeValue(forKey: key)
        if removed != nil { count -= 1 }
        return removed
    }

    /// Adds to the count of keys, splitting shards while they hold more than ``keysPerShard`` each on
    /// average.
    private mutating func counted(_ added: Int) {
        count += added
        while count > shards.count * Self.keysPerShard { splitNext() }
    }

    /// Splits the next shard of the round in two by one more bit of the hash: its keys with the bit
    /// set move to a new shard at the end.
    private mutating func splitNext() {
        let mask = 2 * base - 1
        var (kept, moved): ([Key: Value], [Key: Value]) = ([:], [:])
        for (key, value) in shards[split] {
            if key.hashValue & mask == split { kept[key] = value } else { moved[key] = value }
        }
        shards[split] = kept
        shards.append(moved)
        split += 1
        if split == base {
            base *= 2
            split = 0
        }
    }

    /// Room for about `total` keys in all: the shards they will need, each with room for its share.
    mutating func reserveCapacity(_ total: Int) {
        while shards.count * Self.keysPerShard < total { splitNext() }
        let each = (total + shards.count - 1) / shards.count
        for index in shards.indices { shards[index].reserveCapacity(each) }
    }

    /// Empties the dictionary a shard at a time, calling `pause` after about every 4,096 keys, so
    /// that what only this copy held is freed a little at a time.
    mutating func removeAll(pausing pause: () -> Void) {
        var freed = 0
        for index in shards.indices {
            freed += shards[index].count
            shards[index] = [:]
            if freed >= 4_096 {
                pause()
                freed = 0
            }
        }
        self = ShardedDictionary()
    }

    /// The same keys with their values transformed.
    func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> ShardedDictionary<Key, T> {
        var result = ShardedDictionary<Key, T>()
        result.shards = try shards.map { try $0.mapValues(transform) }
        (result.base, result.split, result.count) = (base, split, count)
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
