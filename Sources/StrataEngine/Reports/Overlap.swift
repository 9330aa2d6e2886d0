/// How segments share members: intersections of every pair and the exclusive combinations, from each
/// segment's membership flags over the same profiles.
public enum Overlap {
    /// One ordered pair.
    public struct Pair: Sendable, Equatable {
        /// The row segment.
        public var a: String
        /// The column segment.
        public var b: String
        /// Members of both.
        public var count: Int
        /// |A∩B| / |A∪B|; nil when both are empty.
        public var jaccard: Double?
        /// |A∩B| / |A|; nil when A is empty.
        public var containment: Double?
    }

    /// A segment's members as bits, one per profile.
    public struct Members: Sendable {
        /// The segment's name.
        public var name: String
        fileprivate var words: [UInt64]
        /// How many profiles are members.
        public let count: Int

        /// Members from membership flags (by profile index).
        public init(name: String, flags: [Bool]) {
            self.name = name
            var words = [UInt64](repeating: 0, count: (flags.count + 63) / 64)
            for (index, flag) in flags.enumerated() where flag { words[index >> 6] |= 1 << UInt64(index & 63) }
            self.words = words
            count = words.reduce(0) { $0 + $1.nonzeroBitCount }
        }

        /// Members of both.
        func intersectionCount(_ other: Members) -> Int {
            zip(words, other.words).reduce(0) { $0 + ($1.0 & $1.1).nonzeroBitCount }
        }
    }

    /// Every ordered pair (a ≠ b) of the segments, in the order given.
    public static func pairs(_ sets: [Members]) -> [Pair] {
        var pairs: [Pair] = []
        for a in sets {
            for b in sets where b.name != a.name {
                let both = a.intersectionCount(b)
                let union = a.count + b.count - both
                pairs.append(
                    Pair(
                        a: a.name, b: b.name, count: both, jaccard: union == 0 ? nil : Double(both) / Double(union),
                        containment: a.count == 0 ? nil : Double(both) / Double(a.count)))
            }
        }
        return pairs
    }

    /// The most segments one overlap takes: a profile's combination is one 64-bit mask.
    public static let maxSegments = 64

    /// The profiles in exactly each combination of the segments (at most ``maxSegments``; UpSet style),
    /// largest first, then by the combination's names.
    public static func exclusive(_ sets: [Members]) -> [(segments: [String], count: Int)] {
        precondition(sets.count <= maxSegments, "an overlap takes at most \(maxSegments) segments")
        var counts: [UInt64: Int] = [:]
        let words = sets.map(\.words.count).max() ?? 0
        for word in 0..<words {
            var any: UInt64 = 0
            for set in sets where word < set.words.count { any |= set.words[word] }
            while any != 0 {
                let bit = UInt64(any.trailingZeroBitCount)
                any &= any - 1
                var mask: UInt64 = 0
                for (index, set) in sets.enumerated() where word < set.words.count && set.words[word] & (1 << bit) != 0
                {
                    mask |= 1 << UInt64(index)
                }
                counts[mask, default: 0] += 1
            }
        }
        return counts.map { mask, count in
            (segments: sets.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { sets[$0].name }, count: count)
        }
        .sorted { ($1.count, $0.segments.joined(separator: ",")) < ($0.count, $1.segments.joined(separator: ",")) }
    }
}
