/// Every stored message id as a 64-bit hash, with the sequence of the message stored with it: the
/// writer's check for duplicates, in memory.
///
/// An open-addressing table with linear probing. Two distinct ids may share a hash: a lookup gives
/// every sequence stored under the hash, and the writer compares the ids themselves.
struct MessageIdTable {
    /// The hashes in their slots; 0 marks an empty slot (a hash of 0 is kept as 1).
    private var hashes: [UInt64]
    private var sequences: [Int64]
    /// How many slots are taken.
    private(set) var count = 0
    /// The further sequences of hashes that more than one stored id has.
    private var shared: [UInt64: [Int64]] = [:]

    /// A table with room for `capacity` hashes before it grows.
    init(capacity: Int = 0) {
        let slots = Self.slots(for: capacity)
        hashes = [UInt64](repeating: 0, count: slots)
        sequences = [Int64](repeating: 0, count: slots)
    }

    /// Slots for `count` hashes at most 75% full.
    private static func slots(for count: Int) -> Int { max(1024, count + count / 3 + 1) }

    /// Where a hash is, or would go: found by one probe, so a lookup followed by an insert of the
    /// same hash reads the table once.
    struct Place {
        fileprivate let hash: UInt64
        fileprivate let slot: Int
        fileprivate let taken: Bool
    }

    /// The place of a hash, after making room for one more.
    mutating func place(of hash: UInt64) -> Place {
        if (count + 1) * 4 > hashes.count * 3 { grow() }
        let hash = Self.normalized(hash)
        var slot = self.slot(of: hash)
        while hashes[slot] != 0 {
            if hashes[slot] == hash { return Place(hash: hash, slot: slot, taken: true) }
            slot = slot + 1 == hashes.count ? 0 : slot + 1
        }
        return Place(hash: hash, slot: slot, taken: false)
    }

    /// The sequences stored under a place's hash, oldest first; empty when none is.
    func sequences(at place: Place) -> [Int64] {
        place.taken ? [sequences[place.slot]] + (shared[place.hash] ?? []) : []
    }

    /// Records that the message of `sequence` has an id with the place's hash. The place must come
    /// from ``place(of:)`` with no insert since.
    mutating func insert(at place: Place, sequence: Int64) {
        if place.taken {
            shared[place.hash, default: []].append(sequence)
        } else {
            hashes[place.slot] = place.hash
            sequences[place.slot] = sequence
            count += 1
        }
    }

    /// The sequences stored under a hash, oldest first; empty when none is.
    mutating func sequences(of hash: UInt64) -> [Int64] { sequences(at: place(of: hash)) }

    /// Records that the message of `sequence` has an id with this hash.
    mutating func insert(_ hash: UInt64, sequence: Int64) { insert(at: place(of: hash), sequence: sequence) }

    private func slot(of hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(hashes.count)).high)
    }

    private static func normalized(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    private mutating func grow() {
        var larger = MessageIdTable(capacity: count + count / 2)
        for slot in hashes.indices where hashes[slot] != 0 {
            larger.insert(hashes[slot], sequence: sequences[slot])
        }
        larger.shared = shared
        self = larger
    }
}
