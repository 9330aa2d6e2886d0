import StrataCore

extension LiveEngine {
    /// Reads back from the store, and packs, the clusters an engine does not hold (all of them after
    /// a restore from a snapshot), the most recently given a message first, while they fit in three
    /// quarters of the room (so that none is dropped for them). Otherwise the first message of each
    /// cluster would wait for its read, and a restarted engine under load would fall behind.
    ///
    /// A warmer works on a copy of the engine's clusters taken when it was made, on any thread: the
    /// engine goes on meanwhile, and holds each part it is given (``hold(_:)``) unless the cluster
    /// changed since.
    public struct Warmer: Sendable {
        let clusters: ShardedDictionary<String, [Int64]>
        let parent: ShardedDictionary<String, String>
        let readsAccounts: Bool
        let held: Dictionary<String, Int>.Keys
        let layout: PackLayout
        let source: @Sendable ([Int64]) throws -> [(sequence: Int64, message: Message)]
        /// The messages that may still be read.
        var room: Int
        /// The clusters to read, the most recently given a message last; nil until first needed.
        var cold: [String]?

        /// Reads the next clusters, about `budget` messages of them (at least one cluster), or nil when
        /// there are none left or no more fit.
        public mutating func next(messages budget: Int) throws(EngineError) -> Warmed? {
            if cold == nil {
                cold = clusters.compactMap { root, sequences in
                    held.contains(root) ? nil : sequences.last.map { (root, $0) }
                }.sorted { $0.1 < $1.1 }.map(\.0)
            }
            var roots: [(root: String, sequences: [Int64])] = []
            var size = 0
            while size < budget, let root = cold?.last, let sequences = clusters[root] {
                guard sequences.count <= room - size else {
                    cold = []
                    break
                }
                cold?.removeLast()
                roots.append((root, sequences))
                size += sequences.count
            }
            guard !roots.isEmpty else { return nil }
            room -= size
            let parts = try LiveEngine.read(roots.map(\.sequences), from: source)
            return Warmed(
                clusters: zip(roots, parts).map { root, read in
                    // A message of other ids (``LiveEngine/own(_:of:parent:readingAccounts:)``) makes
                    // the count differ, so that the engine reads the cluster itself.
                    let messages = LiveEngine.own(read, of: root.root, parent: parent, readingAccounts: readsAccounts)
                    return (
                        root.root, root.sequences.last ?? 0, messages.count, ClusterCache.pack(messages, layout: layout)
                    )
                })
        }
    }

    /// Clusters a ``Warmer`` read back: each root, the sequence of its last message and how many it
    /// had when the warmer was made, and their pack.
    public struct Warmed: Sendable {
        let clusters: [(root: String, last: Int64, count: Int, pack: TimelinePack)]

        /// How many messages the clusters have.
        public var messages: Int { clusters.reduce(0) { $0 + $1.count } }
    }

    /// A warmer of the clusters this engine does not hold, reading them through `source`; nil when
    /// none need reading: without a source of its own the engine holds everything, a start that held
    /// every message needs none, and one that filled three quarters of the room has none to spare.
    public func warmer(
        reading source: @escaping @Sendable ([Int64]) throws -> [(sequence: Int64, message: Message)]
    ) -> Warmer? {
        let room = cache.capacity - cache.capacity / 4 - cache.count
        guard self.source != nil, mayWarm, room > 0 else { return nil }
        return Warmer(
            clusters: clusterMessages, parent: parent, readsAccounts: readsAccounts, held: cache.roots,
            layout: cache.layout, source: source, room: room)
    }

    /// Holds the clusters a warmer read back, each unless it is held already, is no longer a cluster
    /// of its own, has been given messages since, or does not fit in three quarters of the room.
    /// Returns how many messages it holds.
    @discardableResult
    public func hold(_ warmed: Warmed) -> Int {
        let room = cache.capacity - cache.capacity / 4
        var held = 0
        for cluster in warmed.clusters where !cache.holds(cluster.root) && cache.count + cluster.count <= room {
            guard parent[cluster.root] == cluster.root, let sequences = clusterMessages[cluster.root],
                sequences.count == cluster.count, sequences.last == cluster.last
            else { continue }
            cache.hold(cluster.pack, count: cluster.count, of: cluster.root)
            held += cluster.count
        }
        return held
    }
}
