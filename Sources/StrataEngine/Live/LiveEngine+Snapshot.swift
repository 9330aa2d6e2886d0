import StrataCore
import StrataLanguage

extension LiveEngine {
    /// The engine's state at one point of the message log, so that a restart resumes from it instead
    /// of evaluating every stored message again: the clusters and the sequences of their messages,
    /// the memberships, when each cluster is next due, and the clock. Messages themselves are not in
    /// it; a restored engine reads a cluster's messages from the store when it first evaluates it.
    ///
    /// Taking one copies nothing at once (the collections are shared until the engine next changes
    /// them), so it can be encoded on another thread while the engine goes on.
    public struct Snapshot: Sendable {
        /// Bumped whenever the format, or what the engine computes from the same messages, changes:
        /// a snapshot of another version is not used.
        static let version: UInt64 = 2
        private static let magic = Array("STRATA-LIVE\n".utf8)

        /// Identifies what the state was computed from (the definitions and time zone), chosen by
        /// the caller: a snapshot is only used with the same fingerprint.
        public let fingerprint: String
        /// The sequence of the last message the state includes.
        public let sequence: Int64
        /// Identifies the message at ``sequence`` (its messageId), so that a snapshot of another store
        /// is not used.
        public let anchor: String
        /// The engine's clock.
        public let now: Int64
        /// The kept segments, by name, in the order of the membership table's bits.
        public let segments: [String]
        private(set) var parent: ShardedDictionary<String, String>
        private(set) var clusterMessages: ShardedDictionary<String, [Int64]>
        private(set) var clusterProfiles: ShardedDictionary<String, [ProfileKind: Set<String>]>
        private(set) var table: MemberTable
        private(set) var due: ShardedDictionary<String, Int64>

        /// Lets go of the engine's state the snapshot holds, a few shards at a time with `pause`
        /// between them, leaving it empty. Once the engine has changed a shard, the snapshot holds the
        /// only copy of the old one: letting go of them all at once, hundreds of thousands of
        /// entries, would hold up the engine while they are freed.
        public mutating func release(pausing pause: () -> Void) {
            parent.removeAll(pausing: pause)
            clusterMessages.removeAll(pausing: pause)
            clusterProfiles.removeAll(pausing: pause)
            table.removeAll(pausing: pause)
            due.removeAll(pausing: pause)
        }

        /// The snapshot's binary form, ending with a checksum of everything before it. With `pause`,
        /// calls it after about every 256 KB written, so that the work can be spread out
        /// (``LowPriorityThread/pacer(share:)``).
        public func encoded(pausing pause: (() -> Void)? = nil) -> [UInt8] {
            var writer = SnapshotWriter()
            writer.pause = pause
            writer.append(Self.magic)
            writer.unsigned(Self.version)
            writer.string(fingerprint)
            writer.signed(sequence)
            writer.string(anchor)
            writer.signed(now)
            writer.count(segments.count)
            for name in segments { writer.string(name) }
            writer.count(parent.count)
            for (node, up) in parent {
                writer.string(node)
                writer.string(up == node ? "" : up)
            }
            writer.count(clusterMessages.count)
            for (root, sequences) in clusterMessages {
                writer.string(root)
                writer.count(sequences.count)
                var previous: Int64 = 0
                for sequence in sequences {
                    writer.signed(sequence - previous)
                    previous = sequence
                }
            }
            writer.count(clusterProfiles.count)
            for (root, kinds) in clusterProfiles {
                writer.string(root)
                for kind in [ProfileKind.users, .accounts] {
                    let ids = kinds[kind]
                    writer.count(ids.map { $0.count + 1 } ?? 0)
                    for id in ids ?? [] { writer.string(id) }
                }
            }
            table.write(to: &writer)
            writer.count(due.count)
            for (root, instant) in due {
                writer.string(root)
                writer.signed(instant)
            }
            return writer.sealed(checksum: Self.checksum)
        }

        /// Reads a snapshot's binary form, failing (never trapping) on anything damaged or of another
        /// version.
        public init(decoding bytes: [UInt8]) throws(SnapshotError) {
            var reader = try SnapshotReader.unsealed(
                bytes, magic: Self.magic, version: Self.version, checksum: Self.checksum, name: "the snapshot",
                kind: "a snapshot of the live engine")
            fingerprint = try reader.string()
            sequence = try reader.signed()
            anchor = try reader.string()
            now = try reader.signed()
            segments = try (0..<reader.count()).map { _ throws(SnapshotError) in try reader.string() }
            let nodes = try reader.count()
            var parent = ShardedDictionary<String, String>()
            parent.reserveCapacity(nodes)
            for _ in 0..<nodes {
                let node = try reader.string()
                let up = try reader.string()
                parent[node] = up.isEmpty ? node : up
            }
            try Self.checkRoots(parent)
            let clusterCount = try reader.count()
            var clusterMessages = ShardedDictionary<String, [Int64]>()
            clusterMessages.reserveCapacity(clusterCount)
            for _ in 0..<clusterCount {
                let root = try reader.string()
                var previous: Int64 = 0
                clusterMessages[root] = try (0..<reader.count()).map { _ throws(SnapshotError) in
                    let (next, overflow) = previous.addingReportingOverflow(try reader.signed())
                    guard !overflow, next > previous else {
                        throw SnapshotError("the message sequences of \(root) are not ascending", at: reader.offset)
                    }
                    previous = next
                    return next
                }
            }
            let profiledCount = try reader.count()
            var clusterProfiles = ShardedDictionary<String, [ProfileKind: Set<String>]>()
            clusterProfiles.reserveCapacity(profiledCount)
            for _ in 0..<profiledCount {
                let root = try reader.string()
                var kinds: [ProfileKind: Set<String>] = [:]
                for kind in [ProfileKind.users, .accounts] {
                    let count = try reader.count()
                    guard count > 0 else { continue }
                    kinds[kind] = Set(try (1..<count).map { _ throws(SnapshotError) in try reader.string() })
                }
                clusterProfiles[root] = kinds
            }
            table = try MemberTable(reading: &reader)
            let dueCount = try reader.count()
            var due = ShardedDictionary<String, Int64>()
            due.reserveCapacity(dueCount)
            for _ in 0..<dueCount { due[try reader.string()] = try reader.signed() }
            guard reader.isAtEnd else { throw SnapshotError("the snapshot has bytes past its end", at: reader.offset) }
            guard table.segments == segments.count else {
                throw SnapshotError(
                    "the membership table has \(table.segments) segments, the snapshot names \(segments.count)")
            }
            self.parent = parent
            self.clusterMessages = clusterMessages
            self.clusterProfiles = clusterProfiles
            self.due = due
        }

        init(engine: LiveEngine, fingerprint: String, sequence: Int64, anchor: String) {
            self.fingerprint = fingerprint
            self.sequence = sequence
            self.anchor = anchor
            now = engine.now
            segments = engine.segments
            parent = engine.parent
            clusterMessages = engine.clusterMessages
            clusterProfiles = engine.clusterProfiles
            table = engine.table
            due = engine.dueWithHeavyWork
        }

        /// Checks that every id leads to a root (an id that is its own parent) through ids that are
        /// present, so that finding a root cannot loop. Most ids are roots or one step from one, so a
        /// walk allocates nothing unless it is long; the ids of a long walk are remembered as rooted.
        private static func checkRoots(_ parent: ShardedDictionary<String, String>) throws(SnapshotError) {
            var rooted: Set<String> = []
            // Counted once: counting sums every shard.
            let nodes = parent.count
            for (start, first) in parent where first != start {
                var (previous, node, steps) = (start, first, 0)
                var long: [String] = []
                while !rooted.contains(node) {
                    guard let up = parent[node] else {
                        throw SnapshotError("the id \(previous) leads to \(node), which is not in the snapshot")
                    }
                    if up == node { break }
                    steps += 1
                    guard steps <= nodes else { throw loop(through: node, parent) }
                    if steps > 8 { long.append(node) }
                    (previous, node) = (node, up)
                }
                rooted.formUnion(long)
            }
        }

        /// The error for a loop of ids, naming (at most five of) them.
        private static func loop(through node: String, _ parent: ShardedDictionary<String, String>) -> SnapshotError {
            var members = [node]
            while let up = parent[members[members.count - 1]], up != node { members.append(up) }
            let named = members.sorted().prefix(5).joined(separator: ", ")
            return SnapshotError(
                "the ids \(named)\(members.count > 5 ? " and \(members.count - 5) more" : "") form a loop")
        }

        /// FNV-1a over the bytes.
        private static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return hash
        }
    }

    /// The engine's state now, taken after the message at `sequence` (whose messageId is `anchor`),
    /// computed from what `fingerprint` identifies.
    public func snapshot(fingerprint: String, sequence: Int64, anchor: String) -> Snapshot {
        Snapshot(engine: self, fingerprint: fingerprint, sequence: sequence, anchor: anchor)
    }

    /// An engine resuming from a snapshot of one with the same definitions and zone: nothing is
    /// evaluated, and clusters' messages are read from `source` when first needed.
    ///
    /// Fails when the snapshot keeps other segments than these definitions do.
    public static func restore(
        _ snapshot: Snapshot, definitions: Definitions, zone: Zone, trainedModels: [String: TrainedModel] = [:],
        source: @escaping MessageSource, capacity: Int = defaultCapacity
    ) throws(SnapshotError) -> LiveEngine {
        let engine = LiveEngine(
            definitions: definitions, zone: zone, trainedModels: trainedModels, now: snapshot.now, source: source,
            capacity: capacity)
        guard engine.segments == snapshot.segments else {
            throw SnapshotError("the snapshot keeps other segments than the definitions")
        }
        engine.parent = snapshot.parent
        engine.clusterMessages = snapshot.clusterMessages
        engine.clusterProfiles = snapshot.clusterProfiles
        engine.table = snapshot.table
        engine.due = snapshot.due
        for (root, instant) in snapshot.due { engine.queue.push(instant, root) }
        return engine
    }
}
