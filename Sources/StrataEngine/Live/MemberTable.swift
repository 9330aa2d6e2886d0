import StrataLanguage

/// Which profiles belong to which kept segments: one row of bits per profile, found by its id once
/// per evaluation rather than once per segment.
struct MemberTable {
    /// How many segments a row holds.
    let segments: Int
    private let words: Int
    private var rows: [ProfileKind: ShardedDictionary<String, Int>] = [.users: .init(), .accounts: .init()]
    private var bits: [UInt64] = []

    init(segments: Int) {
        self.segments = segments
        self.words = max(1, (segments + 63) / 64)
    }

    /// The row of a profile, added without memberships when the profile is new.
    mutating func row(of id: String, kind: ProfileKind) -> Int {
        if let row = rows[kind]?[id] { return row }
        let row = bits.count / words
        rows[kind, default: .init()][id] = row
        bits.append(contentsOf: repeatElement(0, count: words))
        return row
    }

    /// Makes room for `count` more profiles of a kind.
    mutating func reserve(_ count: Int, kind: ProfileKind) {
        rows[kind, default: .init()].reserveCapacity((rows[kind]?.count ?? 0) + count)
        bits.reserveCapacity(bits.count + count * words)
    }

    /// The row of a profile seen before, or nil.
    func existingRow(of id: String, kind: ProfileKind) -> Int? { rows[kind]?[id] }

    /// Whether the profile of a row is a member of a segment (by index).
    func contains(row: Int, segment: Int) -> Bool {
        bits[row * words + segment / 64] & (1 << UInt64(segment % 64)) != 0
    }

    /// Makes the profile of a row a member of a segment, or not.
    mutating func set(row: Int, segment: Int, member: Bool) {
        let mask: UInt64 = 1 << UInt64(segment % 64)
        if member { bits[row * words + segment / 64] |= mask } else { bits[row * words + segment / 64] &= ~mask }
    }

    /// Forgets a profile: it is a member of no segment, and has no row.
    mutating func remove(_ id: String, kind: ProfileKind) {
        guard let row = rows[kind]?.removeValue(forKey: id) else { return }
        for word in 0..<words { bits[row * words + word] = 0 }
    }

    /// Calls `body` with each profile of a kind and each segment (by index) it is a member of.
    func forEachMembership(kind: ProfileKind, _ body: (String, Int) -> Void) {
        for (id, row) in rows[kind] ?? .init() {
            for word in 0..<words {
                var rest = bits[row * words + word]
                while rest != 0 {
                    body(id, word * 64 + rest.trailingZeroBitCount)
                    rest &= rest - 1
                }
            }
        }
    }

    /// The members of a segment (by index), whose profiles are of a kind.
    func members(of segment: Int, kind: ProfileKind) -> Set<String> {
        var members: Set<String> = []
        for (id, row) in rows[kind] ?? .init() where contains(row: row, segment: segment) { members.insert(id) }
        return members
    }
}

extension MemberTable {
    /// Empties the table, its rows a few shards at a time with `pause` between them (see
    /// ``ShardedDictionary/removeAll(pausing:)``).
    mutating func removeAll(pausing pause: () -> Void) {
        for kind in Array(rows.keys) { rows[kind]?.removeAll(pausing: pause) }
        bits = []
    }

    /// Writes the table for a snapshot.
    func write(to writer: inout SnapshotWriter) {
        writer.count(segments)
        for kind in [ProfileKind.users, .accounts] {
            let kindRows = rows[kind] ?? .init()
            writer.count(kindRows.count)
            for (id, row) in kindRows {
                writer.string(id)
                writer.count(row)
            }
        }
        writer.count(bits.count)
        for word in bits { writer.raw(word) }
    }

    /// Reads a table a snapshot holds, checking that its rows are in range.
    init(reading reader: inout SnapshotReader) throws(SnapshotError) {
        self.init(segments: try reader.count(limit: Int(Int32.max)))
        var kinds: [ProfileKind: ShardedDictionary<String, Int>] = [:]
        for kind in [ProfileKind.users, .accounts] {
            let count = try reader.count()
            var kindRows = ShardedDictionary<String, Int>()
            kindRows.reserveCapacity(count)
            for _ in 0..<count { kindRows[try reader.string()] = try reader.count(limit: Int.max) }
            kinds[kind] = kindRows
        }
        let count = try reader.count()
        bits.reserveCapacity(count)
        for _ in 0..<count { bits.append(try reader.raw()) }
        let rowCount = bits.count / words
        guard bits.count % words == 0, kinds.values.allSatisfy({ $0.allSatisfy { $0.value < rowCount } }) else {
            throw SnapshotError("the membership table has a row past its end", at: reader.offset)
        }
        rows = kinds
    }
}
