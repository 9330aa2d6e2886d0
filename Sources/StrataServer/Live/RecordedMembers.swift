import StrataCore
import StrataEngine

/// Every segment's members as the change log records them (real-time and cadence segments): what the
/// live service answers membership reads from, kept in step with each recording.
///
/// A page of members needs them sorted by bytes. A segment read is kept sorted as of some recording
/// (``SortedList``), with the changes recorded since: a read then merges those in, in time linear in the
/// segment's size, instead of sorting it again. The sorting and merging (``ListBuild``) run off the live
/// service's actor, so that a read of a segment of hundreds of thousands of members never holds up a
/// step.
struct RecordedMembers {
    /// One change of a segment's members: an enter, or an exit.
    typealias Change = (profile: String, entered: Bool)

    /// A segment's members sorted by bytes as of a recording, with the changes recorded since, in order.
    struct SortedList {
        /// Nil while the first sort is under way.
        var members: [String]?
        var changes: [Change]
        /// Tells this list from any other the segment had or will have.
        var version: Int
    }

    /// What a read needs done, off the actor, to have a segment's members sorted: sort them whole, or
    /// merge changes into a sorted list. ``RecordedMembers/keep(_:of:)`` then keeps the result.
    struct ListBuild: Sendable {
        let segment: String
        /// The list's version when the build was taken.
        let version: Int
        /// The members to sort whole, or nil to merge ``changes`` into ``base``.
        let whole: Set<String>?
        let base: [String]
        let changes: [Change]
        /// How many of the list's changes the result includes.
        let included: Int

        /// The members sorted by bytes.
        func run() -> [String] {
            if let whole { return whole.sorted { String.compareUTF8($0, $1) < 0 } }
            return RecordedMembers.merge(changes, into: base)
        }
    }

    /// What a read of a segment's sorted members finds: the list, or the work that makes it.
    enum SortedRead {
        case ready([String])
        case build(ListBuild)
    }

    /// The members of each segment.
    private(set) var members: [String: Set<String>] = [:]
    /// The sorted lists of the segments read, dropped when their changes grow past
    /// ``mergeLimit(_:)`` and at a reset or an erasure.
    private var lists: [String: SortedList] = [:]
    private var versions = 0

    /// Replaces every segment's members (a start).
    mutating func reset(_ members: [String: Set<String>]) {
        self.members = members
        lists = [:]
    }

    /// Applies recorded changes: an enter adds the profile, an exit removes it.
    mutating func apply(_ changes: [MembershipChange]) {
        for change in changes {
            if change.entered {
                members[change.segment, default: []].insert(change.profile)
            } else {
                members[change.segment]?.remove(change.profile)
            }
            guard var list = lists.removeValue(forKey: change.segment) else { continue }
            list.changes.append((change.profile, change.entered))
            if list.changes.count <= Self.mergeLimit(list.members?.count ?? 0) { lists[change.segment] = list }
        }
    }

    /// Forgets erased profiles, recording no change.
    mutating func forget(_ profiles: Set<String>) {
        for (segment, members) in members where !members.isDisjoint(with: profiles) {
            self.members[segment] = members.subtracting(profiles)
            lists[segment] = nil
        }
    }

    /// The members of a segment sorted by bytes, when kept so; otherwise the work that sorts them, to be
    /// run off the actor and given to ``keep(_:of:)``.
    mutating func sortedMembers(of segment: String) -> SortedRead {
        guard let list = lists[segment] else {
            versions += 1
            lists[segment] = SortedList(members: nil, changes: [], version: versions)
            return .build(
                ListBuild(
                    segment: segment, version: versions, whole: members[segment] ?? [], base: [], changes: [],
                    included: 0))
        }
        guard let sorted = list.members else {
            // Another read's sort is under way: this one sorts the members as they are now.
            return .build(
                ListBuild(
                    segment: segment, version: list.version, whole: members[segment] ?? [], base: [], changes: [],
                    included: list.changes.count))
        }
        if list.changes.isEmpty { return .ready(sorted) }
        return .build(
            ListBuild(
                segment: segment, version: list.version, whole: nil, base: sorted, changes: list.changes,
                included: list.changes.count))
    }

    /// Keeps what a build made, unless the segment's list was replaced meanwhile (another read kept its
    /// own, or the list was dropped).
    mutating func keep(_ sorted: [String], of build: ListBuild) {
        guard let list = lists[build.segment], list.version == build.version else { return }
        versions += 1
        lists[build.segment] = SortedList(
            members: sorted, changes: Array(list.changes.dropFirst(build.included)), version: versions)
    }

    /// The most changes a segment's sorted list takes before it is dropped and sorted whole at the next
    /// read: merging that many costs about as much as sorting.
    static func mergeLimit(_ members: Int) -> Int { max(4_096, members / 4) }

    /// A list sorted by bytes with changes applied in order, sorted by bytes: a profile's last change
    /// says whether it is a member.
    static func merge(_ changes: [Change], into sorted: [String]) -> [String] {
        var last: [String: Bool] = [:]
        for change in changes { last[change.profile] = change.entered }
        let added = last.filter(\.value).keys.sorted { String.compareUTF8($0, $1) < 0 }
        var result: [String] = []
        result.reserveCapacity(sorted.count + added.count)
        var next = added.startIndex
        for member in sorted where last[member] == nil {
            while next < added.endIndex, String.compareUTF8(added[next], member) < 0 {
                result.append(added[next])
                next += 1
            }
            result.append(member)
        }
        result.append(contentsOf: added[next...])
        return result
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
