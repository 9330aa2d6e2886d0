import StrataCore
import StrataLanguage

extension LiveEngine {
    /// A cluster's messages packed for building timelines, and how many there are.
    struct Cluster: Sendable {
        var root: String
        var pack: TimelinePack
        var count: Int
    }

    /// Clusters evaluated together, apart from the engine's state, so that the parts of one step can
    /// run on several cores at once.
    struct Part: Sendable {
        /// The clusters.
        var clusters: [Cluster]
        /// The profiles the clusters held at their last evaluation, by kind.
        var previous: [ProfileKind: Set<String>]
        /// How many messages the clusters hold.
        var size: Int
    }

    /// What evaluating a part found.
    struct Outcome: Sendable {
        /// The profile ids of each kind, in the order of the flags and horizons below.
        var ids: [ProfileKind: [String]]
        /// Whether only the segments the messages can move were evaluated (no profile was new to its
        /// cluster), so that the others keep their members and next-change instants.
        var subset: Bool
        /// For each evaluated segment (its index in ``segments``), membership and next-change instant by
        /// profile.
        var results: [(segment: Int, flags: [Bool], horizons: [Int64])]
        /// The earliest future message time of each cluster that has one.
        var future: [String: Int64]
    }

    /// What evaluating a part needs from the engine: nothing that changes while parts run.
    struct PartContext: Sendable {
        var definitions: Definitions
        var zone: Zone
        var trainedModels: [String: TrainedModel]
        var now: Int64
        var layout: PackLayout
        var segments: [String]
        var only: Set<String>?
        /// The kinds of profile evaluated (``LiveEngine/profileKinds``).
        var kinds: [ProfileKind]
    }

    /// The fewest held messages a step needs to be split into parts by default: below it, starting
    /// threads and compiling the definitions once per part would cost more than they save.
    public static let defaultPartThreshold = 2_000

    /// Splits clusters into up to ``workers`` parts of about equal numbers of messages.
    func parts(of clusters: [Cluster]) -> [Part] {
        // Clusters are handled by index throughout: a copy of one retains each of its pack's columns.
        let total = clusters.indices.reduce(0) { $0 + clusters[$1].count }
        let count = total < partThreshold ? 1 : max(1, min(workers, clusters.count))
        guard count > 1 else {
            return [Part(clusters: clusters, previous: previousProfiles(of: clusters), size: total)]
        }
        var parts = [Part](repeating: Part(clusters: [], previous: [:], size: 0), count: count)
        // Largest first, each to the part with the fewest messages so far.
        for index in clusters.indices.sorted(by: { clusters[$0].count > clusters[$1].count }) {
            let smallest = parts.indices.min { parts[$0].size < parts[$1].size } ?? 0
            parts[smallest].clusters.append(clusters[index])
            parts[smallest].size += clusters[index].count
        }
        for index in parts.indices { parts[index].previous = previousProfiles(of: parts[index].clusters) }
        return parts
    }

    /// The profiles that clusters held at their last evaluation, by kind.
    private func previousProfiles(of clusters: [Cluster]) -> [ProfileKind: Set<String>] {
        var previous: [ProfileKind: Set<String>] = [:]
        for index in clusters.indices {
            for (kind, ids) in clusterProfiles[clusters[index].root] ?? [:] {
                previous[kind, default: []].formUnion(ids)
            }
        }
        return previous
    }

    /// Evaluates parts, each on a core of its own when there are several.
    static func evaluate(_ parts: [Part], context: PartContext) throws(EngineError) -> [Outcome] {
        if parts.count == 1 { return [try evaluate(parts[0], context: context)] }
        let results = Parallel.each(count: parts.count) { i in
            Result { () throws(EngineError) -> Outcome in try evaluate(parts[i], context: context) }
        }
        return try results.map { result throws(EngineError) in try result.get() }
    }

    /// Evaluates the clusters of a part as of the context's instant: every kept segment, or with
    /// `only` just those unless a profile is new to its cluster (a new profile may belong to any
    /// segment, as with `not did(...)`).
    static func evaluate(_ part: Part, context: PartContext) throws(EngineError) -> Outcome {
        var builder = TimelineBuilder(asOf: context.now, layout: context.layout)
        var future: [String: Int64] = [:]
        for index in part.clusters.indices {
            builder.add(part.clusters[index].pack)
            if let time = part.clusters[index].pack.earliest(after: context.now) {
                future[part.clusters[index].root] = time
            }
        }
        let population = builder.build()
        let engine = Engine(
            population: population, definitions: context.definitions, zone: context.zone, now: context.now,
            workers: 1)
        engine.trainedModels = context.trainedModels
        var ids: [ProfileKind: [String]] = [:]
        for kind in context.kinds { ids[kind] = population.timelines(kind).ids }
        let known = ids.allSatisfy { kind, current in current.allSatisfy { part.previous[kind]?.contains($0) == true } }
        let subset = context.only != nil && known
        var results: [(segment: Int, flags: [Bool], horizons: [Int64])] = []
        for (index, name) in context.segments.enumerated() where !subset || context.only?.contains(name) == true {
            results.append((index, try engine.segment(named: name).flags, try engine.nextChanges(ofSegment: name)))
        }
        return Outcome(ids: ids, subset: subset, results: results, future: future)
    }
}
