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
        try engine.settle(over: builder.build(), due: future, batch: batch)
        return engine
    }

    /// An engine started from packed messages and the store's index, as of `now`, holding no message:
    /// the ids are joined as the packed messages join them, every cluster's message sequences are read
    /// from the index in one pass, and one batch evaluation of the population as of `now` sets every
    /// membership and due instant, without reporting changes. A cluster's messages are read back from
    /// `source` when it is first evaluated, or warmed (``warmer(reading:)``). What the server's start
    /// does with the timelines file, rather than reading and packing every stored message.
    ///
    /// - Parameters:
    ///   - packed: a builder as of `Int64.max` given every message up to the last one taken.
    ///   - sequences: the sequences of the messages each group of ids finds, up to the same message
    ///     (``MessageLog/sequences(of:through:)``), called on a thread of its own.
    ///   - batch: receives the batch engine over the whole population, as for a start from a scan.
    public static func start(
        definitions: Definitions, zone: Zone, trainedModels: [String: TrainedModel] = [:], now: Int64,
        packed: TimelineBuilder, sequences: @escaping @Sendable ([[IndexedID]]) throws -> [[Int64]],
        source: @escaping MessageSource,
        capacity: Int = defaultCapacity, batch: (Engine) throws -> Void = { _ in }
    ) throws -> LiveEngine {
        let engine = LiveEngine(
            definitions: definitions, zone: zone, trainedModels: trainedModels, now: now, source: source,
            capacity: capacity)
        let pack = packed.packed
        // The nodes of every message, joined as a scan would join them: numbered, in arrays.
        var joins = NodeJoins()
        let pairNodes = pack.pairs.map { pair in
            joins.join(userId: pair.userId, anonymousId: pair.anonymousId, groupId: nil, previousId: nil)
        }
        var aliasNodes: [TimelinePack.AliasKey: Int32] = [:]
        for key in pack.aliases.keys {
            aliasNodes[key] = joins.join(
                userId: key.userId, anonymousId: key.anonymousId, groupId: nil, previousId: key.previousId)
        }
        if engine.readsAccounts {
            for record in pack.records().groups {
                guard let user = pairNodes[Int(record.pair)],
                    let account = joins.join(userId: nil, anonymousId: nil, groupId: record.groupId, previousId: nil)
                else { continue }
                joins.union(user, account)
            }
        }
        // Each cluster's ids, found in the index in one read.
        let clusters = joins.clusters()
        engine.parent.reserveCapacity(joins.count)
        for node in 0..<joins.count {
            engine.parent[joins.names[node]] = joins.names[Int(clusters.root[node])]
        }
        // Clusters with a message from the future are due then.
        var future: [(root: String, time: Int64)] = []
        pack.later(than: now) { source, time in
            let node =
                switch source {
                case .pair(let pair): pairNodes[Int(pair)]
                case .alias(let key): aliasNodes[key] ?? nil
                }
            if let node { future.append((joins.names[Int(clusters.root[Int(node)])], time)) }
        }
        // The index is read on a thread of its own while the population is evaluated: settling needs
        // no cluster's messages.
        let ids = clusters.ids
        let (found, settled) = Parallel.alongside {
            Result { try sequences(ids) }
        } while: {
            Result { try engine.settle(over: packed.until(now).build(), due: future, batch: batch) }
        }
        try settled.get()
        engine.clusterMessages.reserveCapacity(ids.count)
        for (cluster, sequences) in try found.get().enumerated() where !sequences.isEmpty {
            engine.clusterMessages[joins.names[Int(clusters.roots[cluster])]] = sequences
        }
        return engine
    }

    /// Cluster nodes numbered and joined in arrays (a union-find by size, with path halving): what a
    /// start joins before it fills the engine's tables keyed by node.
    private struct NodeJoins {
        /// The number of each node.
        private var numbers: [String: Int32] = [:]
        /// Each node by number, and the id the store's index finds its messages by.
        private(set) var names: [String] = []
        private var ids: [IndexedID] = []
        private var up: [Int32] = []
        private var size: [Int32] = []

        var count: Int { names.count }

        /// The number of a node, numbered if new.
        private mutating func node(_ id: IndexedID) -> Int32 {
            let name = id.node
            if let number = numbers[name] { return number }
            let number = Int32(names.count)
            numbers[name] = number
            names.append(name)
            ids.append(id)
            up.append(number)
            size.append(1)
            return number
        }

        /// Joins the nodes of a message's ids into one cluster (``LiveEngine/forEachID(userId:anonymousId:groupId:previousId:_:)``)
        /// and returns the first one's number (nil without ids).
        mutating func join(userId: String?, anonymousId: String?, groupId: String?, previousId: String?) -> Int32? {
            var first: Int32?
            LiveEngine.forEachID(userId: userId, anonymousId: anonymousId, groupId: groupId, previousId: previousId) {
                let number = node($0)
                if let first { union(first, number) } else { first = number }
            }
            return first
        }

        mutating func root(_ node: Int32) -> Int32 {
            var node = node
            while up[Int(node)] != node {
                up[Int(node)] = up[Int(up[Int(node)])]
                node = up[Int(node)]
            }
            return node
        }

        mutating func union(_ a: Int32, _ b: Int32) {
            var (a, b) = (root(a), root(b))
            guard a != b else { return }
            if size[Int(a)] < size[Int(b)] { swap(&a, &b) }
            up[Int(b)] = a
            size[Int(a)] += size[Int(b)]
        }

        /// The root of every node, and the clusters: each one's root and its nodes' ids.
        mutating func clusters() -> (root: [Int32], roots: [Int32], ids: [[IndexedID]]) {
            var root = [Int32](repeating: 0, count: count)
            var clusterOfRoot = [Int32](repeating: -1, count: count)
            var roots: [Int32] = []
            var ids: [[IndexedID]] = []
            for node in 0..<count {
                let top = self.root(Int32(node))
                root[node] = top
                if clusterOfRoot[Int(top)] < 0 {
                    clusterOfRoot[Int(top)] = Int32(roots.count)
                    roots.append(top)
                    ids.append([])
                }
                ids[Int(clusterOfRoot[Int(top)])].append(self.ids[node])
            }
            return (root, roots, ids)
        }
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
        // The old due instants stand for messages with future timestamps as well as the old horizons:
        // a cluster evaluated when nothing moved it changes nothing.
        try engine.settle(over: try population(), due: old.due.map { ($0.key, $0.value) }, batch: batch)
        return engine
    }

    /// Sets every membership, each cluster's profiles and when each cluster is next due from one batch
    /// evaluation of the whole population (the engine given to `batch` first), no later than the
    /// instants of `due` (cluster root, instant).
    private func settle(
        over population: Population, due extra: [(root: String, time: Int64)], batch: (Engine) throws -> Void
    ) throws {
        let whole = Engine(population: population, definitions: definitions, zone: zone, now: now)
        whole.trainedModels = trainedModels
        try batch(whole)
        var roots: [ProfileKind: [String]] = [:]
        var rows: [ProfileKind: [Int]] = [:]
        // At most one cluster a profile (the clusters' messages may not be known yet).
        clusterProfiles.reserveCapacity(profileKinds.reduce(0) { $0 + population.timelines($1).ids.count })
        for kind in profileKinds {
            let ids = population.timelines(kind).ids
            roots[kind] = ids.map { id in
                let root = root(ofProfile: id, kind: kind)
                clusterProfiles[root, default: [:]][kind, default: []].insert(id)
                return root
            }
            table.reserve(ids.count, kind: kind)
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
