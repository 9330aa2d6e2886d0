/// How segments share members: intersections of every pair and the exclusive combinations, from how
/// many profiles are in exactly each combination of the segments.
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

    /// The most segments one overlap takes: a profile's combination is one 64-bit mask.
    public static let maxSegments = 64

    /// How many profiles are in exactly each combination of some segments (at most ``maxSegments``):
    /// bit i of a combination's mask is the i-th segment. Every count, pair and exclusive combination of
    /// the report follows from them, whether the memberships were evaluated here or counted elsewhere
    /// (ClickHouse groups its profiles by mask).
    public struct Combinations: Sendable, Equatable {
        /// The segments' names, in order.
        public let names: [String]
        /// The profiles in each combination of at least one segment, by mask.
        public let counts: [UInt64: Int]

        /// Combinations from their counts by mask (masks of 0, profiles in none, are left out).
        public init(names: [String], counts: [UInt64: Int]) {
            precondition(names.count <= maxSegments, "an overlap takes at most \(maxSegments) segments")
            self.names = names
            self.counts = counts.filter { $0.key != 0 }
        }

        /// Combinations from each segment's membership flags over the same profiles (by profile index).
        public init(names: [String], flags: [[Bool]]) {
            var counts: [UInt64: Int] = [:]
            for profile in 0..<(flags.map(\.count).max() ?? 0) {
                var mask: UInt64 = 0
                for (index, members) in flags.enumerated() where profile < members.count && members[profile] {
                    mask |= 1 << UInt64(index)
                }
                if mask != 0 { counts[mask, default: 0] += 1 }
            }
            self.init(names: names, counts: counts)
        }

        /// How many profiles are in all the segments of a mask.
        private func count(including mask: UInt64) -> Int {
            counts.reduce(0) { $1.key & mask == mask ? $0 + $1.value : $0 }
        }

        /// How many members each segment has, in order.
        public var sizes: [Int] { names.indices.map { count(including: 1 << UInt64($0)) } }

        /// Every ordered pair (a ≠ b) of the segments, in the order given.
        public var pairs: [Pair] {
            let sizes = self.sizes
            var pairs: [Pair] = []
            for (i, a) in names.enumerated() {
                for (j, b) in names.enumerated() where b != a {
                    let both = count(including: 1 << UInt64(i) | 1 << UInt64(j))
                    let union = sizes[i] + sizes[j] - both
                    pairs.append(
                        Pair(
                            a: a, b: b, count: both, jaccard: union == 0 ? nil : Double(both) / Double(union),
                            containment: sizes[i] == 0 ? nil : Double(both) / Double(sizes[i])))
                }
            }
            return pairs
        }

        /// The profiles in exactly each combination (UpSet style), largest first, then by the
        /// combination's names.
        public var exclusive: [(segments: [String], count: Int)] {
            counts.map { mask, count in
                (segments: names.indices.filter { mask & (1 << UInt64($0)) != 0 }.map { names[$0] }, count: count)
            }
            .sorted { ($1.count, $0.segments.joined(separator: ",")) < ($0.count, $1.segments.joined(separator: ",")) }
        }
    }
}
