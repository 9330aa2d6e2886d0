import StrataLanguage

/// Which profiles belong to which kept segments: one row of bits per profile, found by its id once
/// per evaluation rather than once per segment.
struct MemberTable {
    /// How many segments a row holds.
    let segments: Int
    private let words: Int
    private var rows: [ProfileKind: [String: Int]] = [.users: [:], .accounts: [:]]
    private var bits: [UInt64] = []

    init(segments: Int) {
        self.segments = segments
        self.words = max(1, (segments + 63) / 64)
    }

    /// The row of a profile, added without memberships when the profile is new.
    mutating func row(of id: String, kind: ProfileKind) -> Int {
        if let row = rows[kind]?[id] { return row }
        let row = bits.count / words
        rows[kind, default: [:]][id] = row
        bits.append(contentsOf: repeatElement(0, count: words))
        return row
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

    /// The members of a segment (by index), whose profiles are of a kind.
    func members(of segment: Int, kind: ProfileKind) -> Set<String> {
        var members: Set<String> = []
        for (id, row) in rows[kind] ?? [:] where contains(row: row, segment: segment) { members.insert(id) }
        return members
    }
}
