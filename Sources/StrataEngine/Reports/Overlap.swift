/// How segments share members: intersections of every pair and the exclusive combinations.
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

    /// Every ordered pair (a ≠ b) of the named member sets, in the order given.
    public static func pairs(_ sets: [(name: String, members: Set<String>)]) -> [Pair] {
        var pairs: [Pair] = []
        for a in sets {
            for b in sets where b.name != a.name {
                let both = a.members.intersection(b.members).count
                let union = a.members.count + b.members.count - both
                pairs.append(
                    Pair(
                        a: a.name, b: b.name, count: both, jaccard: union == 0 ? nil : Double(both) / Double(union),
                        containment: a.members.isEmpty ? nil : Double(both) / Double(a.members.count)))
            }
        }
        return pairs
    }

    /// The profiles in exactly each combination of the sets (UpSet style), largest first, then by the
    /// combination's names.
    public static func exclusive(_ sets: [(name: String, members: Set<String>)]) -> [(segments: [String], count: Int)] {
        var counts: [[Int]: Int] = [:]
        for profile in sets.reduce(into: Set<String>(), { $0.formUnion($1.members) }) {
            counts[sets.indices.filter { sets[$0].members.contains(profile) }, default: 0] += 1
        }
        return counts.map { (segments: $0.key.map { sets[$0].name }, count: $0.value) }
            .sorted { ($1.count, $0.segments.joined(separator: ",")) < ($0.count, $1.segments.joined(separator: ",")) }
    }
}
