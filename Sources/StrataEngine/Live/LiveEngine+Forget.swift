import StrataCore

extension LiveEngine {
    /// Forgets the profile of erased ids, once the store no longer holds its messages: the clusters
    /// holding any of the ids are taken apart and built again from the messages the store still
    /// holds, and the erased profiles leave every segment without a change recorded (an exit would
    /// send an erased id to destinations). Returns the changes of the clusters' other profiles (an
    /// account whose segments read the erased user's events), caused by time, after those of the heavy
    /// clusters' evaluations that waited (``finishHeavyWork()``).
    public func forget(_ ids: Set<String>) throws(EngineError) -> [MembershipChange] {
        guard let source else { throw EngineError("an engine without a message source cannot forget a profile") }
        let waited = try finishHeavyWork()
        let erased = ids.flatMap { ["u:" + $0, "a:" + $0] }.filter { parent[$0] != nil }
        for id in ids {
            for kind in profileKinds { table.remove(id, kind: kind) }
        }
        let roots = Set(erased.map(find))
        guard !roots.isEmpty else { return waited }
        // Every node of those clusters: the nodes of the other ids are joined again below.
        var nodes: [String] = []
        for (node, _) in parent where roots.contains(root(of: node)) { nodes.append(node) }
        var sequences: [Int64] = []
        for root in roots {
            sequences += clusterMessages.removeValue(forKey: root) ?? []
            _ = clusterProfiles.removeValue(forKey: root)
            _ = due.removeValue(forKey: root)
            cache.drop(root)
        }
        for node in nodes { _ = parent.removeValue(forKey: node) }
        let kept = try Self.read([sequences.sorted()], from: source)[0]
        var joined: [String] = []
        for (sequence, message) in kept {
            guard let root = join(message) else { continue }
            add(message, sequence: sequence, to: root)
            joined.append(root)
        }
        return waited + (try evaluate(roots: Array(Set(joined.map(find))), touches: [:]))
    }

    /// The root of a node's cluster, read without shortening the path (``find(_:)`` does).
    private func root(of node: String) -> String {
        var root = node
        while let up = parent[root], up != root { root = up }
        return root
    }
}
