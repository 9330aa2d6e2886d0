import StrataCore
import StrataLanguage

extension LiveEngine {
    /// An engine started from many stored messages at once, as of `now`: one batch evaluation of the
    /// whole population sets every membership and due instant, without reporting changes (a start
    /// from the store, or a definition change that the caller compares with what it held before).
    ///
    /// - Parameters:
    ///   - trainedModels: the trained logistic models that `score.NAME` reads.
    ///   - source: where later evaluations read a cluster's messages that are not held in memory;
    ///     without one, the engine keeps the scanned messages.
    ///   - capacity: with a source, the most messages held in memory. The scanned messages are held
    ///     while they fit, then those of the clusters with the latest messages.
    ///   - scan: calls its argument with every message to load, in arrival order.
    ///   - batch: receives the batch engine over the whole population, for other questions as of `now`
    ///     (the segments recomputed on a cadence).
    public static func start(
        definitions: Definitions, zone: Zone, trainedModels: [String: TrainedModel] = [:], now: Int64,
        source: MessageSource?, capacity: Int = defaultCapacity, scan: ((Int64, Message) -> Void) throws -> Void,
        batch: (Engine) throws -> Void = { _ in }
    ) throws -> LiveEngine {
        let engine = LiveEngine(
            definitions: definitions, zone: zone, trainedModels: trainedModels, now: now, source: source,
            capacity: capacity)
        var builder = TimelineBuilder(asOf: now, needs: engine.needs)
        var future: [(root: String, time: Int64)] = []
        var scanned = 0
        try scan { sequence, message in
            scanned += 1
            builder.add(sequence: sequence, message: message)
            guard let root = engine.join(message, keepingOrder: false) else { return }
            engine.add(message, sequence: sequence, to: root)
            if message.time > now { future.append((root, message.time)) }
        }
        engine.clusterMessages = engine.clusterMessages.mapValues { $0.sorted() }
        // Every message held: nothing to warm, and no need to look at each cluster to find that out.
        engine.mayWarm = engine.cache.count < scanned
        let population = builder.build()
        let whole = Engine(population: population, definitions: definitions, zone: zone, now: now)
        whole.trainedModels = trainedModels
        try batch(whole)
        try engine.settle(over: whole, due: future)
        return engine
    }

    /// An engine for other definitions over the clusters of `old`, at its clock: the ids joined, the
    /// message sequences of each cluster and when each is due carry over, since a message joins the
    /// same ids whatever the definitions; the held messages too when the new definitions read the
    /// same of them. One batch evaluation of `population` (the store's messages through the last one
    /// `old` took, as of its clock) sets every membership and horizon, without reporting changes.
    /// Nil, without reading the population, when the definitions change which kinds of profile are
    /// kept (a segment of accounts, or one reading accounts, added or removed), which joins ids
    /// differently: then start from the store.
    ///
    /// - Parameter batch: receives the batch engine over the population, as for a start.
    public static func reload(
        _ old: LiveEngine, definitions: Definitions, zone: Zone, trainedModels: [String: TrainedModel] = [:],
        population: () throws -> Population, source: MessageSource?, capacity: Int = defaultCapacity,
        batch: (Engine) throws -> Void = { _ in }
    ) throws -> LiveEngine? {
        let engine = LiveEngine(
            definitions: definitions, zone: zone, trainedModels: trainedModels, now: old.now, source: source,
            capacity: capacity)
        guard engine.readsAccounts == old.readsAccounts else { return nil }
        engine.parent = old.parent
        engine.clusterMessages = old.clusterMessages
        if engine.needs == old.needs, engine.cache.capacity == old.cache.capacity {
            engine.cache = old.cache
            engine.mayWarm = old.mayWarm
        }
        let whole = Engine(population: try population(), definitions: definitions, zone: zone, now: old.now)
        whole.trainedModels = trainedModels
        try batch(whole)
        // The old due instants stand for messages with future timestamps as well as the old horizons:
        // a cluster evaluated when nothing moved it changes nothing.
        try engine.settle(over: whole, due: old.due.map { ($0.key, $0.value) })
        return engine
    }

    /// Sets every membership, each cluster's profiles and when each cluster is next due from a batch
    /// engine over the whole population, no later than the instants of `due` (cluster root, instant).
    private func settle(over whole: Engine, due extra: [(root: String, time: Int64)]) throws {
        let population = whole.population
        var roots: [ProfileKind: [String]] = [:]
        var rows: [ProfileKind: [Int]] = [:]
        clusterProfiles.reserveCapacity(clusterMessages.count)
        for kind in profileKinds {
            let ids = population.timelines(kind).ids
            roots[kind] = ids.map { id in
                let root = root(ofProfile: id, kind: kind)
                clusterProfiles[root, default: [:]][kind, default: []].insert(id)
                return root
            }
            rows[kind] = ids.map { table.row(of: $0, kind: kind) }
        }
        var earliest = roots.mapValues { [Int64](repeating: Int64.max, count: $0.count) }
        for (segment, name) in segments.enumerated() {
            let kind = segmentKinds[segment]
            let kindRows = rows[kind] ?? []
            for (index, member) in try whole.segment(named: name).flags.enumerated() where member {
                table.set(row: kindRows[index], segment: segment, member: true)
            }
            Self.lower(&earliest, kind: kind, to: try whole.nextChanges(ofSegment: name))
        }
        var next: [String: Int64] = [:]
        for (kind, instants) in earliest { Self.schedule(instants, roots: roots[kind] ?? [], into: &next) }
        for (root, time) in extra {
            let current = find(root)
            next[current] = min(next[current] ?? Int64.max, time)
        }
        due.reserveCapacity(next.count)
        for (root, instant) in next {
            due[root] = instant
            queue.push(instant, root)
        }
    }

    /// The cluster root of a profile: a user profile is keyed by a userId or, never identified, by
    /// an anonymousId; an account by its groupId.
    func root(ofProfile id: String, kind: ProfileKind) -> String {
        switch kind {
        case .accounts: find("g:" + id)
        case .users: find(parent["u:" + id] != nil ? "u:" + id : "a:" + id)
        }
    }
}

extension MembershipChange {
    /// The enters and exits that turn one set of memberships into another, all at one instant and
    /// with one cause, by segment name and then profile (bytes). A segment missing from either side
    /// has no members there.
    public static func differences(
        from old: [String: Set<String>], to new: [String: Set<String>], at instant: Int64, cause: Cause
    ) -> [MembershipChange] {
        var changes: [MembershipChange] = []
        for segment in Set(old.keys).union(new.keys).sorted() {
            let before = old[segment] ?? []
            let after = new[segment] ?? []
            let moved = before.symmetricDifference(after).sorted { Value.compareBytes($0, $1) < 0 }
            for profile in moved {
                changes.append(
                    MembershipChange(
                        segment: segment, profile: profile, entered: after.contains(profile), instant: instant,
                        cause: cause))
            }
        }
        return changes
    }
}
