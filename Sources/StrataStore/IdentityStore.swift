import StrataCore

/// The identity links between user ids and anonymous ids, as the stored messages made them.
public protocol IdentityStore: Sendable {
    /// The identity graph built from every link at or before an instant.
    func identityGraph(asOf: Int64) async throws -> IdentityGraph

    /// The identity graph built from the links at or before an instant that join an id to others,
    /// directly or through further links: for that id's profile, the same as ``identityGraph(asOf:)``,
    /// without reading every link of the store.
    func identityGraph(around id: String, asOf: Int64) async throws -> IdentityGraph
}

extension IdentityLink {
    /// The graph of the links that join `start` to other ids, found a hop at a time by `step`, which
    /// gives the links (made at or before the instant it was asked for) touching any of a set of ids,
    /// each with the time and sequence of the message that made it.
    static func component(
        around start: String,
        step: (Set<String>) throws -> [(link: IdentityLink, time: Int64, sequence: Int64)]
    ) rethrows -> IdentityGraph {
        var seen: Set<String> = [start]
        var frontier: Set<String> = [start]
        var found: [IdentityLink: (time: Int64, sequence: Int64)] = [:]
        while !frontier.isEmpty {
            var next: Set<String> = []
            for (link, time, sequence) in try step(frontier) where found[link] == nil {
                found[link] = (time, sequence)
                for id in [link.from, link.to] where seen.insert(id).inserted { next.insert(id) }
            }
            frontier = next
        }
        var graph = IdentityGraph()
        for (link, made) in found.sorted(by: { ($0.value.time, $0.value.sequence) < ($1.value.time, $1.value.sequence) }
        ) {
            link.add(to: &graph, time: made.time)
        }
        return graph
    }
}
