import StrataCore
import StrataEngine

/// Every segment's members as the change log records them (real-time and cadence segments): what the
/// live service answers membership reads from, kept in step with each recording.
struct RecordedMembers {
    /// The members of each segment.
    private(set) var members: [String: Set<String>] = [:]
    /// Members sorted by bytes, for pages; dropped when a segment changes.
    private var sorted: [String: [String]] = [:]

    /// Replaces every segment's members (a start).
    mutating func reset(_ members: [String: Set<String>]) {
        self.members = members
        sorted = [:]
    }

    /// Applies recorded changes: an enter adds the profile, an exit removes it.
    mutating func apply(_ changes: [MembershipChange]) {
        for change in changes {
            if change.entered {
                members[change.segment, default: []].insert(change.profile)
            } else {
                members[change.segment]?.remove(change.profile)
            }
            sorted[change.segment] = nil
        }
    }

    /// Forgets erased profiles, recording no change.
    mutating func forget(_ profiles: Set<String>) {
        for (segment, members) in members where !members.isDisjoint(with: profiles) {
            self.members[segment] = members.subtracting(profiles)
            sorted[segment] = nil
        }
    }

    /// The members of a segment sorted by bytes (sorted once per change of the segment).
    mutating func sortedMembers(of segment: String) -> [String] {
        if let list = sorted[segment] { return list }
        let list = (members[segment] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        sorted[segment] = list
        return list
    }

    /// The size of each segment an engine keeps.
    func sizes(keptBy engine: LiveEngine) -> [String: Int] {
        var sizes: [String: Int] = [:]
        for name in engine.segments + engine.cadenceSegments.keys { sizes[name] = members[name]?.count ?? 0 }
        return sizes
    }

    /// The segments an engine keeps whose members include a profile key, in name order.
    func segments(holding key: String, keptBy engine: LiveEngine) -> [String] {
        (engine.segments + engine.cadenceSegments.keys).filter { members[$0]?.contains(key) == true }.sorted()
    }
}
