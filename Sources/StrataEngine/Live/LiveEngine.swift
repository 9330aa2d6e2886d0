import Foundation
import StrataCore
import StrataLanguage

/// Segment memberships kept right at every instant: moved by each new message and by the passing of
/// time (ARCHITECTURE.md "Time"), with a record of every enter and exit and its cause.
///
/// Profiles are grouped into clusters: ids joined by a message (userId and anonymousId, alias, and a
/// user and the account of a group call when a kept segment reads accounts: ``readsAccounts``). A
/// message re-evaluates its cluster; each cluster is also re-evaluated at its horizon, the earliest
/// instant at which a membership in it could change with time alone
/// (``Engine/nextChanges(ofSegment:)``), and when a message with a future timestamp becomes due.
/// Evaluation runs the batch engine over the cluster's messages, so both paths give one meaning.
/// Only `refresh: realtime` segments that do not rank a profile against the whole population
/// (percentile, RFM, and what reads them) are kept here (``segments``); the others are recomputed by
/// a batch run on their cadence (``cadenceSegments``).
///
/// The engine keeps clusters in memory, packed (only what evaluation reads of their messages), up to
/// a number of messages. With a ``MessageSource``, a cluster dropped to make room is read back from
/// the store when it is next evaluated, so a large store is not held in memory twice; without one,
/// every message is kept.
///
/// Not thread-safe: drive it from one task. The clock is whatever instants the caller passes.
public final class LiveEngine {
    /// Reads stored messages back by sequence, in ascending sequence order.
    public typealias MessageSource = ([Int64]) throws -> [(sequence: Int64, message: Message)]

    /// The checked definitions.
    public let definitions: Definitions
    /// The workspace time zone.
    public let zone: Zone
    /// The trained logistic models that `score.NAME` reads, by score name.
    public let trainedModels: [String: TrainedModel]
    /// The segments kept current here, by name.
    public let segments: [String]
    /// The other segments with their cadence (a population-relative `realtime` one refreshes every
    /// 15 minutes), by name.
    public let cadenceSegments: [String: Refresh]
    /// The latest instant the engine has reached.
    public private(set) var now: Int64
    /// The property and trait keys evaluation reads: messages given to the engine need no others.
    public let payloadKeys: Set<String>

    let needs: DataNeeds
    /// For each kept segment, the event names whose arrival can move it (through everything it reads);
    /// nil when any event can (a selector without a name, first or last seen, a streak).
    let eventNames: [String: Set<String>?]
    let source: MessageSource?
    /// The messages of the clusters held in memory.
    var cache: ClusterCache
    /// Whether a kept segment reads accounts (``readAccounts(_:_:)``). When none does, a cluster is one
    /// user's identity: group calls join no users, and an event re-evaluates just its user rather than
    /// every user of its account.
    public let readsAccounts: Bool
    /// The kinds of profile evaluated: users, and accounts when a kept segment reads them.
    let profileKinds: [ProfileKind]
    /// Union-find over cluster nodes (`u:` userId, `a:` anonymousId, `g:` groupId).
    var parent = ShardedDictionary<String, String>()
    /// The message sequences of each cluster root, ascending.
    var clusterMessages = ShardedDictionary<String, [Int64]>()
    /// The profiles each cluster root held at its last evaluation, by kind.
    var clusterProfiles = ShardedDictionary<String, [ProfileKind: Set<String>]>()
    /// Which profiles are members of which kept segments.
    var table: MemberTable
    /// The kind of profile of each kept segment, by its index in ``segments``.
    let segmentKinds: [ProfileKind]
    /// How many parts a large step is split into, each evaluated on a core of its own.
    let workers: Int
    /// The fewest held messages a step needs to be split into parts.
    let partThreshold: Int
    /// When each cluster root is next due, and the queue of (instant, root), earliest first.
    var due = ShardedDictionary<String, Int64>()
    var queue = DueQueue()
    /// Whether clusters may be left to read back (``warmer(reading:)``): not after a start that held
    /// every message it read.
    var mayWarm = true
    /// The fewest messages a cluster holds for its evaluation to be taken off the steps
    /// (``takeHeavyJob()``); `Int.max`, the default, evaluates every cluster in its step.
    public var heavyThreshold = Int.max
    /// The least time, in milliseconds of the engine's clock, between the starts of two evaluations of
    /// one heavy cluster's messages: the messages it receives meanwhile wait and are evaluated together.
    public var heavyInterval: Int64 = 0
    /// The heavy clusters' evaluations waiting or under way.
    var heavy = HeavyWork()

    /// An engine with no messages yet, at an instant.
    ///
    /// - Parameters:
    ///   - trainedModels: the trained logistic models that `score.NAME` reads (``Engine/trainedModels``).
    ///   - source: where evaluation reads a cluster's messages that are not held in memory; without
    ///     one, the engine keeps every message it is given.
    ///   - capacity: with a source, the most messages held in memory.
    ///   - workers: how many cores a large step may use; defaults to every active core.
    ///   - partThreshold: the fewest messages a step must read to be split among the workers.
    public init(
        definitions: Definitions, zone: Zone, trainedModels: [String: TrainedModel] = [:], now: Int64,
        source: MessageSource? = nil, capacity: Int = LiveEngine.defaultCapacity, workers: Int? = nil,
        partThreshold: Int = LiveEngine.defaultPartThreshold
    ) {
        self.definitions = definitions
        self.zone = zone
        self.trainedModels = trainedModels
        self.now = now
        self.source = source
        self.needs = DataNeeds(definitions: definitions)
        self.cache = ClusterCache(capacity: source == nil ? Int.max : capacity, layout: PackLayout(needs: needs))
        self.payloadKeys = needs.payloadKeys
        let live = definitions.segments.map(\.name).filter { Self.isLive($0, definitions) }
        self.segments = live.sorted()
        self.cadenceSegments = Self.cadenceSegments(of: definitions)
        self.eventNames = Dictionary(uniqueKeysWithValues: live.map { ($0, Self.eventNames(read: $0, definitions)) })
        self.segmentKinds = segments.map { definitions.segment(named: $0)?.of ?? .users }
        self.readsAccounts = Self.readAccounts(live, definitions)
        self.profileKinds = readsAccounts ? [.users, .accounts] : [.users]
        self.table = MemberTable(segments: segments.count)
        self.workers = max(1, workers ?? ProcessInfo.processInfo.activeProcessorCount)
        self.partThreshold = partThreshold
    }

    /// The most messages held in memory by default: about 3.6 GB of packs, at about 180 bytes a held
    /// message, on top of the engine's other state (all 16.65M messages of 1,000,000 users held
    /// took 6.0 GB in all).
    public static let defaultCapacity = 20_000_000

    /// The segments of definitions that an engine recomputes on a cadence, with it: those not kept
    /// live (a population-relative `realtime` one refreshes every 15 minutes).
    public static func cadenceSegments(of definitions: Definitions) -> [String: Refresh] {
        var cadence: [String: Refresh] = [:]
        for segment in definitions.segments where !isLive(segment.name, definitions) {
            cadence[segment.name] = segment.refresh == .realtime ? .fifteenMinutes : segment.refresh
        }
        return cadence
    }

    /// The messages held in memory now.
    public var heldMessages: Int { cache.count }

    /// The messages evaluation has read since the engine was made: an evaluated cluster's messages,
    /// each time it is evaluated. What a step costs grows with them.
    public private(set) var evaluatedMessages = 0

    /// Whether a segment is kept here or recomputed on its cadence (``cadenceSegments``).
    public func keeps(_ segment: String) -> Bool {
        segments.contains(segment) || cadenceSegments[segment] != nil
    }

    /// The current members of a segment kept here, sorted by bytes (nil for other segments).
    public func members(of segment: String) -> [String]? {
        segments.firstIndex(of: segment).map { index in
            table.members(of: index, kind: segmentKinds[index]).sorted { Value.compareBytes($0, $1) < 0 }
        }
    }

    /// The current members of every segment kept here.
    public var allMembers: [String: Set<String>] {
        var members: [String: Set<String>] = [:]
        for (index, name) in segments.enumerated() {
            members[name] = table.members(of: index, kind: segmentKinds[index])
        }
        return members
    }

    /// The enters and exits that turn recorded memberships into the engine's, all at one instant and
    /// with one cause, by segment name and then profile (bytes): those of the kept segments, and the
    /// exits of every other recorded segment. What ``MembershipChange/differences(from:to:at:cause:)``
    /// gives from the recorded memberships to ``allMembers``, without building the sets.
    ///
    /// The table is read once: each membership in it is looked for in the recorded set, and only a
    /// segment with recorded members not found that way has its recorded members looked up in the
    /// table. A restart at 1,000,000 users spent about 4 s here when each segment's recorded members
    /// were looked up and its table members counted one segment at a time.
    public func changes(
        from recorded: [String: Set<String>], at instant: Int64, cause: MembershipChange.Cause
    ) -> [MembershipChange] {
        let old = segments.map { recorded[$0] ?? [] }
        var stayed = [Int](repeating: 0, count: segments.count)
        var entered = [[String]](repeating: [], count: segments.count)
        for kind in Set(segmentKinds) {
            table.forEachMembership(kind: kind) { id, segment in
                if old[segment].contains(id) { stayed[segment] += 1 } else { entered[segment].append(id) }
            }
        }
        let kept = Dictionary(uniqueKeysWithValues: segments.enumerated().map { ($1, $0) })
        var changes: [MembershipChange] = []
        for name in Set(recorded.keys).union(segments).sorted() {
            var moved: [(profile: String, entered: Bool)]
            if let segment = kept[name] {
                moved = entered[segment].map { ($0, true) }
                if stayed[segment] < old[segment].count {
                    let kind = segmentKinds[segment]
                    for id in old[segment] {
                        if let row = table.existingRow(of: id, kind: kind), table.contains(row: row, segment: segment) {
                            continue
                        }
                        moved.append((id, false))
                    }
                }
            } else {
                moved = (recorded[name] ?? []).map { ($0, false) }
            }
            for change in moved.sorted(by: { Value.compareBytes($0.profile, $1.profile) < 0 }) {
                changes.append(
                    MembershipChange(
                        segment: name, profile: change.profile, entered: change.entered, instant: instant, cause: cause)
                )
            }
        }
        return changes
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
        while let next = nextDue, next <= instant {
            var roots: [String] = []
            while let top = queue.peek, top.instant == next {
                _ = queue.pop()
                if due[top.root] == next {
                    due[top.root] = nil
                    roots.append(top.root)
                }
            }
            now = max(now, next)
            changes += try evaluate(roots: deferDue(roots), touches: [:])
        }
        now = max(now, instant)
        return changes
    }

    /// Takes a stored message received at `instant` (first applying what time changed before it) and
    /// returns the changes it causes, in order.
    @discardableResult
    public func ingest(_ message: Message, sequence: Int64, at instant: Int64) throws(EngineError) -> [MembershipChange]
    {
        try ingest([(sequence, message)], at: instant)
    }

    /// Takes stored messages received together at `instant`, in sequence order (first applying what
    /// time changed before it): every profile they touch is evaluated once, in one pass, and a change
    /// is attributed to the message that moved it: of the messages that touched its profile's cluster,
    /// the last one its segment reads (an event it counts, or an identify, group or alias call, or a
    /// message joining ids, which can move any segment).
    ///
    /// Messages may come with only the properties and traits under ``payloadKeys``: nothing else is
    /// read.
    @discardableResult
    public func ingest(
        _ batch: [(sequence: Int64, message: Message)], at instant: Int64
    ) throws(EngineError) -> [MembershipChange] {
        var changes = try advance(to: instant)
        let moved = segments(movedBy: batch)
        // Events that no kept segment reads, from ids already known (so no new profile), move nothing.
        let inert = moved?.isEmpty == true && batch.allSatisfy { isKnown($0.message) }
        var touched: [(node: String, touch: Touch)] = []
        for (sequence, message) in batch {
            guard let root = join(message) else { continue }
            add(message, sequence: sequence, to: root)
            let movesAny = !message.kind.isEvent || (message.userId != nil && message.anonymousId != nil)
            touched.append(
                (root, Touch(id: message.messageId, sequence: sequence, event: movesAny ? nil : message.event)))
            if inert, message.time > now, message.time < (due[root] ?? Int64.max) {
                due[root] = message.time
                queue.push(message.time, root)
            }
        }
        guard !inert else { return changes }
        var touches: [String: [Touch]] = [:]
        for (node, touch) in touched { touches[find(node), default: []].append(touch) }
        // A heavy cluster's messages wait for its evaluation apart (``takeHeavyJob()``).
        var light: [String] = []
        for (root, rootTouches) in touches {
            if isHeavy(root) { deferMessages(of: root, rootTouches, only: moved) } else { light.append(root) }
        }
        changes += try evaluate(roots: light, touches: touches, only: moved)
        return changes
    }

    /// A message of a step that touched a cluster: its id and sequence, and its event name when it can
    /// only move the segments that read that name (nil when it can move any).
    struct Touch: Sendable {
        let id: String
        let sequence: Int64
        let event: String?
    }

    /// What moved a segment's membership in a cluster: the last of the step's messages that touched it
    /// that the segment reads (the last of them all when none), or time when no message touched it.
    func cause(of segment: String, among touches: [Touch]?) -> MembershipChange.Cause {
        guard let touches, let last = touches.last else { return .time }
        let read = eventNames[segment] ?? nil
        let moving = touches.last { touch in
            guard let event = touch.event, let read else { return true }
            return read.contains(event)
        }
        return .message((moving ?? last).id)
    }

    /// Whether every id a message carries was carried by an earlier one.
    private func isKnown(_ message: Message) -> Bool {
        nodes(of: message).allSatisfy { parent[$0] != nil }
    }

    /// The kept segments that messages can move, or nil for all: identify, group and alias calls, and
    /// messages carrying both ids (which can join profiles), can move any segment; an event moves the
    /// segments that read its name.
    private func segments(movedBy batch: [(sequence: Int64, message: Message)]) -> Set<String>? {
        var names: Set<String> = []
        for (_, message) in batch {
            guard message.kind.isEvent, message.userId == nil || message.anonymousId == nil,
                let name = message.event
            else { return nil }
            names.insert(name)
        }
        return Set(
            segments.filter { segment in
                guard let read = eventNames[segment] ?? nil else { return true }
                return !read.isDisjoint(with: names)
            })
    }

    /// The event names whose arrival can move a segment, through everything it reads; nil for any.
    static func eventNames(read segment: String, _ definitions: Definitions) -> Set<String>? {
        var names: Set<String> = []
        let any = DefinitionReads.any(from: [DefinitionID(.segment, segment)], definitions) { id in
            var any = false
            for expression in DataNeeds.expressions(of: id, in: definitions) {
                PlanWalk.walk(expression, scope: .users) { item, _ in
                    switch item {
                    case .events(let selector, _):
                        if let read = selector.names { names.formUnion(read) } else { any = true }
                    case .node(let node):
                        switch node.node {
                        case .firstSeen, .lastSeen, .streak: any = true
                        default: break
                        }
                    }
                }
            }
            return any
        }
        return any ? nil : names
    }

    /// Whether any of some segments reads accounts, through everything it reads: is `of: accounts`, or
    /// reads an account's traits or events through `account.`. When none does, a user's memberships
    /// depend on its own identity alone, so group calls need not join users to their accounts.
    static func readAccounts(_ segments: [String], _ definitions: Definitions) -> Bool {
        DefinitionReads.any(from: segments.map { DefinitionID(.segment, $0) }, definitions) { id in
            DefinitionReads.readsAccounts(id, definitions)
        }
    }

    // MARK: Evaluation

    /// Re-evaluates clusters together as of ``now``, and schedules each one's next due instant.
    /// Changes in a cluster without a cause are time-driven. With `only`, just those segments are
    /// evaluated (the others keep their members and due instants), unless a profile is new to its
    /// cluster. Large steps are split into parts evaluated on several cores; the changes come in the
    /// same order either way: by segment name, then profile (bytes).
    func evaluate(
        roots: [String], touches: [String: [Touch]], only: Set<String>? = nil
    ) throws(EngineError) -> [MembershipChange] {
        // Without kept segments nothing is due and no membership can move.
        guard !roots.isEmpty, !segments.isEmpty else { return [] }
        let parts = parts(of: try messages(of: roots))
        let outcomes = try Self.evaluate(parts, context: context(only: only))
        let (changes, next) = apply(outcomes, of: parts, touches: touches, at: now)
        for root in roots {
            if let instant = next[root] {
                due[root] = instant
                queue.push(instant, root)
            } else {
                due[root] = nil
            }
        }
        return changes
    }

    /// What evaluating parts needs from the engine, as of ``now``.
    func context(only: Set<String>?) -> PartContext {
        PartContext(
            definitions: definitions, zone: zone, trainedModels: trainedModels, now: now, layout: cache.layout,
            segments: segments, only: only, kinds: profileKinds)
    }

    /// Applies what evaluating parts as of an instant found to the memberships and the clusters'
    /// profiles, and returns the changes (by segment name, then profile) with the next due instant of
    /// each evaluated cluster. A cluster evaluated apart (``takeHeavyJob()``) may have been given
    /// profiles or joined to another cluster since: the profiles given meanwhile are kept for its next
    /// evaluation, and a cluster joined to another adds the profiles it found to that one's.
    func apply(
        _ outcomes: [Outcome], of parts: [Part], touches: [String: [Touch]], at instant: Int64, apart: Bool = false
    ) -> (changes: [MembershipChange], next: [String: Int64]) {
        evaluatedMessages += parts.reduce(0) { $0 + $1.size }
        var moved = [[(profile: String, row: Int, entered: Bool, root: String)]](repeating: [], count: segments.count)
        var next: [String: Int64] = [:]
        for (part, outcome) in zip(parts, outcomes) {
            for (root, time) in outcome.future { next[root] = min(next[root] ?? Int64.max, time) }
            // Every profile of a part of one cluster is that cluster's, wherever it has been joined since.
            let single = part.clusters.count == 1 ? part.clusters[0].root : nil
            var roots: [ProfileKind: [String]] = [:]
            var rows: [ProfileKind: [Int]] = [:]
            var gone: [ProfileKind: [(id: String, row: Int, root: String)]] = [:]
            var profilesOfRoot: [String: [ProfileKind: Set<String>]] = [:]
            for kind in profileKinds {
                let ids = outcome.ids[kind] ?? []
                roots[kind] = ids.map { id in
                    let root = single ?? root(ofProfile: id, kind: kind)
                    profilesOfRoot[root, default: [:]][kind, default: []].insert(id)
                    return root
                }
                rows[kind] = ids.map { table.row(of: $0, kind: kind) }
                // A profile no longer in its cluster (an anonymous id now part of a user) is in no segment.
                for id in (part.previous[kind] ?? []).subtracting(ids) {
                    if let row = table.existingRow(of: id, kind: kind) {
                        gone[kind, default: []].append((id, row, single ?? root(ofProfile: id, kind: kind)))
                    }
                }
            }
            var earliest = outcome.ids.mapValues { [Int64](repeating: Int64.max, count: $0.count) }
            for (segment, flags, horizons) in outcome.results {
                let kind = segmentKinds[segment]
                let (ids, kindRows, kindRoots) = (outcome.ids[kind] ?? [], rows[kind] ?? [], roots[kind] ?? [])
                for i in ids.indices where table.contains(row: kindRows[i], segment: segment) != flags[i] {
                    moved[segment].append((ids[i], kindRows[i], flags[i], kindRoots[i]))
                }
                for (id, row, root) in gone[kind] ?? [] where table.contains(row: row, segment: segment) {
                    moved[segment].append((id, row, false, root))
                }
                Self.lower(&earliest, kind: kind, to: horizons)
            }
            for (kind, instants) in earliest { Self.schedule(instants, roots: roots[kind] ?? [], into: &next) }
            for index in part.clusters.indices {
                // By index: a cluster copied out of the array would retain each of its pack's columns.
                let root = part.clusters[index].root
                let current = find(root)
                if current == root {
                    clusterProfiles[root] = Self.profiles(
                        profilesOfRoot[root], since: apart ? clusterProfiles[root] : nil,
                        previous: part.previous)
                } else {
                    // Joined since: the cluster it is part of now leaves these profiles on its next evaluation.
                    for (kind, ids) in profilesOfRoot[root] ?? [:] {
                        clusterProfiles[current, default: [:]][kind, default: []].formUnion(ids)
                    }
                }
                // Segments not evaluated keep their next-change instants: the earliest stays due.
                if outcome.subset, let kept = due[root] { next[root] = min(next[root] ?? Int64.max, kept) }
            }
        }
        var changes: [MembershipChange] = []
        for (segment, name) in segments.enumerated() {
            for change in moved[segment].sorted(by: { Value.compareBytes($0.profile, $1.profile) < 0 }) {
                table.set(row: change.row, segment: segment, member: change.entered)
                changes.append(
                    MembershipChange(
                        segment: name, profile: change.profile, entered: change.entered, instant: instant,
                        cause: cause(of: name, among: touches[change.root])))
            }
        }
        return (changes, next)
    }

    /// A cluster's profiles after an evaluation: those it found, with those the cluster was given
    /// since the evaluation started (its profiles now, `current`, that were not `previous`).
    static func profiles(
        _ found: [ProfileKind: Set<String>]?, since current: [ProfileKind: Set<String>]?,
        previous: [ProfileKind: Set<String>]
    ) -> [ProfileKind: Set<String>]? {
        guard let current else { return found }
        var profiles = found ?? [:]
        for (kind, ids) in current {
            let given = ids.subtracting(previous[kind] ?? [])
            if !given.isEmpty { profiles[kind, default: []].formUnion(given) }
        }
        return profiles.isEmpty ? nil : profiles
    }

    /// Lowers the earliest next-change instant of each profile of a kind (by index) to a segment's.
    static func lower(_ earliest: inout [ProfileKind: [Int64]], kind: ProfileKind, to horizons: [Int64]) {
        // Taken out and put back, so that the array is changed in place.
        var instants = earliest.removeValue(forKey: kind) ?? []
        for (index, horizon) in horizons.enumerated() where horizon < instants[index] { instants[index] = horizon }
        earliest[kind] = instants
    }

    /// Makes each cluster due no later than the earliest next-change instant of its profiles (by
    /// index, with the root of each), one lookup per profile.
    static func schedule(_ instants: [Int64], roots: [String], into next: inout [String: Int64]) {
        for (index, instant) in instants.enumerated() where instant != Int64.max {
            next[roots[index]] = min(next[roots[index]] ?? Int64.max, instant)
        }
    }

    /// The clusters, packed: from memory, and for clusters not held there from the source in one read
    /// (then held).
    func messages(of roots: [String]) throws(EngineError) -> [Cluster] {
        var result: [Cluster] = []
        var missing: [String] = []
        for root in roots {
            if let held = cache.pack(of: root) {
                result.append(Cluster(root: root, pack: held.pack, count: held.count))
            } else {
                missing.append(root)
            }
        }
        if !missing.isEmpty { result.append(contentsOf: try read(missing)) }
        return result
    }

    /// Reads clusters from the source in one read, packs them and holds them (none without a
    /// source).
    private func read(_ roots: [String]) throws(EngineError) -> [Cluster] {
        guard let source, !roots.isEmpty else { return [] }
        let parts = try Self.read(roots.map { clusterMessages[$0] ?? [] }, from: source)
        var result: [Cluster] = []
        for (root, read) in zip(roots, parts) {
            let messages = Self.own(read, of: root, parent: parent, readingAccounts: readsAccounts)
            let pack = ClusterCache.pack(messages, layout: cache.layout)
            cache.hold(pack, count: messages.count, of: root)
            result.append(Cluster(root: root, pack: pack, count: messages.count))
        }
        return result
    }

    /// The messages of clusters, given by their ascending message sequences, read from a source in one
    /// read: by cluster, each in sequence order. A sequence may be listed by two clusters (one found
    /// through a hash of another's ids: ``own(_:of:parent:readingAccounts:)``).
    static func read(
        _ clusters: [[Int64]], from source: ([Int64]) throws -> [(sequence: Int64, message: Message)]
    ) throws(EngineError) -> [[(sequence: Int64, message: Message)]] {
        var wanted = Set<Int64>()
        for sequences in clusters { wanted.formUnion(sequences) }
        var read: [Int64: Message] = [:]
        do {
            for entry in try source(wanted.sorted()) { read[entry.sequence] = entry.message }
        } catch {
            throw EngineError("cannot read the messages of a profile from the store: \(error)")
        }
        // A sequence listed twice (two such lists joined) is read once.
        return clusters.map { sequences in
            sequences.indices.compactMap { index in
                let sequence = sequences[index]
                guard index == 0 || sequences[index - 1] != sequence else { return nil }
                return read[sequence].map { (sequence, $0) }
            }
        }
    }

    /// Whether a segment is kept here: it and every segment it reads (directly or through scores,
    /// packs and traits) refresh in real time, and none ranks profiles against the population
    /// (percentile, RFM, a percentile-normalised score input).
    static func isLive(_ name: String, _ definitions: Definitions) -> Bool {
        !DefinitionReads.any(from: [DefinitionID(.segment, name)], definitions) { id in
            if id.kind == .segment, definitions.segment(named: id.name)?.refresh != .realtime { return true }
            return DefinitionReads.ranksPopulation(id, definitions)
        }
    }

    // MARK: Clusters

    /// Adds a message to its cluster, in memory when the cluster is held or new (its first message).
    func add(_ message: Message, sequence: Int64, to root: String) {
        if Self.append(sequence, to: &clusterMessages[root, default: []]) {
            cache.hold(ClusterCache.pack([], layout: cache.layout), count: 0, of: root)
        }
        cache.append(message, sequence: sequence, to: root)
    }

    /// Appends a sequence to a cluster's list in place (one lookup of the cluster) and returns whether
    /// the list was empty before.
    private static func append(_ sequence: Int64, to sequences: inout [Int64]) -> Bool {
        defer { sequences.append(sequence) }
        return sequences.isEmpty
    }

    /// Joins the ids a message carries into one cluster and returns its root (nil without ids).
    func join(_ message: Message, keepingOrder: Bool = true) -> String? {
        let nodes = nodes(of: message)
        guard let first = nodes.first else { return nil }
        var root = find(first)
        for node in nodes.dropFirst() { root = union(root, find(node), keepingOrder: keepingOrder) }
        return root
    }

    /// The cluster nodes of the ids a message carries: its groupId only when accounts are read.
    func nodes(of message: Message) -> [String] {
        Self.nodes(of: message, readingAccounts: readsAccounts)
    }

    /// The cluster nodes of the ids a message carries, its groupId when `readingAccounts`.
    static func nodes(of message: Message, readingAccounts: Bool) -> [String] {
        var nodes: [String] = []
        forEachID(of: message, readingAccounts: readingAccounts) { nodes.append($0.node) }
        return nodes
    }

    /// The first cluster node of the ids a message carries (nil without ids): the one its cluster is
    /// found by.
    static func firstNode(of message: Message, readingAccounts: Bool) -> String? {
        var first: String?
        forEachID(of: message, readingAccounts: readingAccounts) { id in if first == nil { first = id.node } }
        return first
    }

    /// Calls `body` with each id a message carries that names a cluster node, in the order
    /// ``forEachID(userId:anonymousId:groupId:previousId:_:)`` gives; its groupId only when
    /// `readingAccounts`.
    private static func forEachID(of message: Message, readingAccounts: Bool, _ body: (IndexedID) -> Void) {
        forEachID(
            userId: message.userId, anonymousId: message.anonymousId,
            groupId: readingAccounts ? message.groupId : nil, previousId: message.previousId, body)
    }

    /// Calls `body` with the ids of a message's cluster nodes (``IndexedID/node``), in order: its
    /// userId, anonymousId and groupId, then a previousId as both a user and an anonymous id.
    static func forEachID(
        userId: String?, anonymousId: String?, groupId: String?, previousId: String?, _ body: (IndexedID) -> Void
    ) {
        if let userId { body(.user(userId)) }
        if let anonymousId { body(.anonymous(anonymousId)) }
        if let groupId { body(.account(groupId)) }
        if let previousId {
            body(.user(previousId))
            body(.anonymous(previousId))
        }
    }

    /// The messages read back for a cluster that are its own. The store's index finds messages by
    /// hashes of their ids, so a cluster started from it (``start(definitions:zone:trainedModels:now:packed:sequences:source:capacity:batch:)``)
    /// may list a message of other ids; the ids are checked here, without changing `parent`.
    static func own(
        _ messages: [(sequence: Int64, message: Message)], of root: String,
        parent: ShardedDictionary<String, String>, readingAccounts: Bool
    ) -> [(sequence: Int64, message: Message)] {
        messages.filter { entry in
            guard var node = firstNode(of: entry.message, readingAccounts: readingAccounts) else { return false }
            while let up = parent[node], up != node { node = up }
            return node == root
        }
    }

    func find(_ node: String) -> String {
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

    /// Joins two clusters; the joined one keeps both message lists (sorted again unless a bulk load
    /// sorts them at its end), profiles and due instants.
    private func union(_ a: String, _ b: String, keepingOrder: Bool) -> String {
        guard a != b else { return a }
        let (keep, gone) = (clusterMessages[a]?.count ?? 0) >= (clusterMessages[b]?.count ?? 0) ? (a, b) : (b, a)
        parent[gone] = keep
        cache.join(
            gone, into: keep, goneIsEmpty: clusterMessages[gone]?.isEmpty ?? true,
            keepIsEmpty: clusterMessages[keep]?.isEmpty ?? true)
        clusterMessages[keep, default: []] += clusterMessages.removeValue(forKey: gone) ?? []
        if keepingOrder { clusterMessages[keep]?.sort() }
        if let profiles = clusterProfiles.removeValue(forKey: gone) {
            for (kind, ids) in profiles { clusterProfiles[keep, default: [:]][kind, default: []].formUnion(ids) }
        }
        if let instant = due.removeValue(forKey: gone), instant < (due[keep] ?? Int64.max) {
            due[keep] = instant
            queue.push(instant, keep)
        }
        heavy.join(gone, into: keep)
        return keep
    }
}

extension IndexedID {
    /// The live engine's cluster node of the id: `u:` and a userId, `a:` and an anonymousId, `g:` and
    /// a groupId.
    var node: String {
        switch self {
        case .user(let id): "u:" + id
        case .anonymous(let id): "a:" + id
        case .account(let id): "g:" + id
        }
    }
}
