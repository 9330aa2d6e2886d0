import StrataCore
import StrataLanguage

/// Segment memberships kept right at every instant: moved by each new message and by the passing of
/// time (ARCHITECTURE.md "Time"), with a record of every enter and exit and its cause.
///
/// Profiles are grouped into clusters: ids joined by a message (userId and anonymousId, alias, a
/// user and the account of a group call). A message re-evaluates its cluster; each cluster is also
/// re-evaluated at its horizon, the earliest instant at which a membership in it could change with
/// time alone (``Engine/nextChanges(ofSegment:)``), and when a message with a future timestamp
/// becomes due. Evaluation runs the batch engine over the cluster's messages, so both paths give one
/// meaning. Segments that rank a profile against the whole population (percentile, RFM, and what
/// reads them) are left to the batch run on their cadence; ``segments`` lists the ones kept here.
///
/// Not thread-safe: drive it from one task. The clock is whatever instants the caller passes.
public final class LiveEngine {
    /// The checked definitions.
    public let definitions: Definitions
    /// The workspace time zone.
    public let zone: Zone
    /// The segments kept current here, by name.
    public let segments: [String]
    /// The latest instant the engine has reached.
    public private(set) var now: Int64

    private let needs: DataNeeds
    private var messages: [(sequence: Int64, message: Message)] = []
    /// Union-find over cluster nodes (`u:` userId, `a:` anonymousId, `g:` groupId).
    private var parent: [String: String] = [:]
    /// The messages of each cluster root, by index into ``messages``.
    private var clusterMessages: [String: [Int]] = [:]
    /// The profiles each cluster root held at its last evaluation, by kind.
    private var clusterProfiles: [String: [ProfileKind: Set<String>]] = [:]
    /// Members of each segment.
    private var members: [String: Set<String>] = [:]
    /// When each cluster root is next due, and the queue of (instant, root), earliest first.
    private var due: [String: Int64] = [:]
    private var queue = DueQueue()

    /// An engine with no messages yet, at an instant.
    public init(definitions: Definitions, zone: Zone, now: Int64) {
        self.definitions = definitions
        self.zone = zone
        self.now = now
        self.needs = DataNeeds(definitions: definitions)
        self.segments = definitions.segments.map(\.name).filter { name in
            !Self.readsPopulation(DefinitionID(.segment, name), definitions)
        }.sorted()
        for name in segments { members[name] = [] }
    }

    /// The current members of a segment kept here, sorted by bytes (nil for other segments).
    public func members(of segment: String) -> [String]? {
        members[segment].map { $0.sorted { Value.compareBytes($0, $1) < 0 } }
    }

    /// The earliest instant at which time alone could change a membership, or nil.
    public var nextDue: Int64? {
        while let top = queue.peek, due[top.root] != top.instant { _ = queue.pop() }
        return queue.peek?.instant
    }

    /// Moves the clock to `instant`, applying every time-driven change due by then at its own instant.
    @discardableResult
    public func advance(to instant: Int64) throws(EngineError) -> [MembershipChange] {
        var changes: [MembershipChange] = []
        while let next = nextDue, next <= instant, let top = queue.pop() {
            due[top.root] = nil
            now = max(now, top.instant)
            changes += try evaluate(root: top.root, cause: .time)
        }
        now = max(now, instant)
        return changes
    }

    /// Takes a stored message received at `instant` (first applying what time changed before it) and
    /// returns the changes it causes, in order.
    @discardableResult
    public func ingest(_ message: Message, sequence: Int64, at instant: Int64) throws(EngineError) -> [MembershipChange] {
        var changes = try advance(to: instant)
        let index = messages.count
        messages.append((sequence, message))
        var nodes: [String] = []
        if let user = message.userId { nodes.append("u:" + user) }
        if let anonymous = message.anonymousId { nodes.append("a:" + anonymous) }
        if let group = message.groupId { nodes.append("g:" + group) }
        if let previous = message.previousId { nodes += ["u:" + previous, "a:" + previous] }
        guard let first = nodes.first else { return changes }
        var root = find(first)
        for node in nodes.dropFirst() { root = union(root, find(node)) }
        clusterMessages[root, default: []].append(index)
        changes += try evaluate(root: root, cause: .message(message.messageId))
        return changes
    }

    // MARK: Evaluation

    /// Re-evaluates one cluster as of ``now`` and schedules its next due instant.
    private func evaluate(root: String, cause: MembershipChange.Cause) throws(EngineError) -> [MembershipChange] {
        var builder = TimelineBuilder(asOf: now, needs: needs)
        var nextMessage = Int64.max
        for index in clusterMessages[root] ?? [] {
            let (sequence, message) = messages[index]
            builder.add(sequence: sequence, message: message)
            if message.time > now { nextMessage = min(nextMessage, message.time) }
        }
        let population = builder.build()
        let engine = Engine(population: population, definitions: definitions, zone: zone, now: now, workers: 1)
        var current: [ProfileKind: Set<String>] = [:]
        for kind in [ProfileKind.users, .accounts] { current[kind] = Set(population.timelines(kind).ids) }
        let previous = clusterProfiles[root] ?? [:]
        var changes: [MembershipChange] = []
        var next = nextMessage
        for name in segments {
            guard let definition = definitions.segment(named: name) else { continue }
            let result = try engine.segment(named: name)
            let now = self.now
            let kind = definition.of
            let inside = Set(result.members)
            let profiles = (previous[kind] ?? []).union(current[kind] ?? [])
            for profile in profiles.sorted(by: { Value.compareBytes($0, $1) < 0 }) {
                let was = members[name]?.contains(profile) ?? false
                let isMember = inside.contains(profile)
                guard was != isMember else { continue }
                if isMember { members[name]?.insert(profile) } else { members[name]?.remove(profile) }
                changes.append(MembershipChange(segment: name, profile: profile, entered: isMember, instant: now, cause: cause))
            }
            for horizon in try engine.nextChanges(ofSegment: name) { next = min(next, horizon) }
        }
        clusterProfiles[root] = current
        if next != Int64.max {
            due[root] = next
            queue.push(next, root)
        } else {
            due[root] = nil
        }
        return changes
    }

    /// Whether a definition ranks profiles against the population (percentile, RFM, a
    /// percentile-normalised score input), directly or through what it reads.
    static func readsPopulation(_ id: DefinitionID, _ definitions: Definitions) -> Bool {
        var seen: Set<DefinitionID> = []
        var pending = [id]
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            if next.kind == .rfm { return true }
            for expression in DataNeeds.expressions(of: next, in: definitions) {
                var ranks = false
                PlanWalk.walk(expression, scope: .users) { item, _ in
                    guard case .node(let node) = item else { return }
                    switch node.node {
                    case .percentile, .rfm: ranks = true
                    default: break
                    }
                }
                if ranks { return true }
            }
            if case .weighted(let inputs)? = definitions.score(named: next.name)?.model, next.kind == .score,
                inputs.contains(where: { $0.normalize == .percentile })
            {
                return true
            }
            pending += definitions.dependencies[next] ?? []
        }
        return false
    }

    // MARK: Clusters

    private func find(_ node: String) -> String {
        var root = node
        while let up = parent[root], up != root { root = up }
        var walk = node
        while let up = parent[walk], up != root {
            parent[walk] = root
            walk = up
        }
        if parent[node] == nil { parent[node] = node }
        return root
    }

    /// Joins two clusters; the joined one keeps both message lists, profiles and due instants.
    private func union(_ a: String, _ b: String) -> String {
        guard a != b else { return a }
        let (keep, gone) = (clusterMessages[a]?.count ?? 0) >= (clusterMessages[b]?.count ?? 0) ? (a, b) : (b, a)
        parent[gone] = keep
        clusterMessages[keep, default: []] += clusterMessages.removeValue(forKey: gone) ?? []
        clusterMessages[keep]?.sort()
        if let profiles = clusterProfiles.removeValue(forKey: gone) {
            for (kind, ids) in profiles { clusterProfiles[keep, default: [:]][kind, default: []].formUnion(ids) }
        }
        if let instant = due.removeValue(forKey: gone), instant < (due[keep] ?? Int64.max) {
            due[keep] = instant
            queue.push(instant, keep)
        }
        return keep
    }
}

/// A min-queue of (instant, cluster root); stale entries are skipped by the reader.
struct DueQueue {
    private var heap: [(instant: Int64, root: String)] = []

    var peek: (instant: Int64, root: String)? { heap.first }

    mutating func push(_ instant: Int64, _ root: String) {
        heap.append((instant, root))
        var i = heap.count - 1
        while i > 0 {
            let up = (i - 1) / 2
            guard heap[i].instant < heap[up].instant else { break }
            heap.swapAt(i, up)
            i = up
        }
    }

    mutating func pop() -> (instant: Int64, root: String)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let (l, r) = (2 * i + 1, 2 * i + 2)
            var smallest = i
            if l < heap.count, heap[l].instant < heap[smallest].instant { smallest = l }
            if r < heap.count, heap[r].instant < heap[smallest].instant { smallest = r }
            if smallest == i { break }
            heap.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
