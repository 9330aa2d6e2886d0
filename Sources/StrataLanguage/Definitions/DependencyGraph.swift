/// The references between definitions: finds cycles and an evaluation order.
struct DependencyGraph {
    /// Every definition.
    var nodes: Set<DefinitionID> = [.rfm]
    /// Outgoing references of each definition, in the order written.
    var references: [DefinitionID: [Reference]] = [:]

    mutating func add(_ node: DefinitionID) {
        nodes.insert(node)
    }

    mutating func add(_ refs: [Reference], from node: DefinitionID) {
        references[node, default: []].append(contentsOf: refs)
    }

    /// Direct dependencies of every node.
    var dependencies: [DefinitionID: Set<DefinitionID>] {
        var result: [DefinitionID: Set<DefinitionID>] = [:]
        for node in nodes {
            result[node] = Set((references[node] ?? []).map(\.target).filter { nodes.contains($0) })
        }
        return result
    }

    private func targets(of node: DefinitionID) -> [DefinitionID] {
        Array(Set((references[node] ?? []).map(\.target)).filter { nodes.contains($0) }).sorted()
    }

    /// Each distinct cycle once, rotated to start at its smallest member (without repeating it).
    func cycles() -> [[DefinitionID]] {
        enum Color { case white, gray, black }
        var color: [DefinitionID: Color] = [:]
        var found: [[DefinitionID]] = []
        var seen: Set<[DefinitionID]> = []
        for start in nodes.sorted() where color[start, default: .white] == .white {
            var stack: [(node: DefinitionID, targets: [DefinitionID], next: Int)] = [(start, targets(of: start), 0)]
            var path: [DefinitionID] = [start]
            color[start] = .gray
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next < stack[top].targets.count {
                    let target = stack[top].targets[stack[top].next]
                    stack[top].next += 1
                    switch color[target, default: .white] {
                    case .gray:
                        if let index = path.firstIndex(of: target) {
                            let cycle = Array(path[index...])
                            let minimum = cycle.indices.min { cycle[$0] < cycle[$1] } ?? 0
                            let rotated = Array(cycle[minimum...] + cycle[..<minimum])
                            if seen.insert(rotated).inserted { found.append(rotated) }
                        }
                    case .white:
                        color[target] = .gray
                        stack.append((target, targets(of: target), 0))
                        path.append(target)
                    case .black:
                        break
                    }
                } else {
                    color[stack[top].node] = .black
                    stack.removeLast()
                    path.removeLast()
                }
            }
        }
        return found
    }

    /// One error per cycle, at the reference from its first member to the next.
    func cycleDiagnostics() -> [Diagnostic] {
        cycles().map { cycle in
            let first = cycle[0]
            let second = cycle.count > 1 ? cycle[1] : first
            let reference = references[first]?.first { $0.target == second }
            let description = (cycle + [first]).map(\.description).joined(separator: " -> ")
            return Diagnostic(
                .error, .cycle, "cycle between definitions: \(description)", file: reference?.file,
                at: reference?.range ?? SourceRange(at: .start))
        }
    }

    /// Every node after its dependencies; nodes on cycles last, by name.
    func evaluationOrder() -> [DefinitionID] {
        let dependencies = self.dependencies
        var remaining = dependencies.mapValues { $0.subtracting([]) }
        var order: [DefinitionID] = []
        var ready = nodes.filter { remaining[$0, default: []].isEmpty }.sorted()
        var done: Set<DefinitionID> = []
        var dependents: [DefinitionID: [DefinitionID]] = [:]
        for (node, deps) in dependencies {
            for dep in deps { dependents[dep, default: []].append(node) }
        }
        while !ready.isEmpty {
            let node = ready.removeFirst()
            guard done.insert(node).inserted else { continue }
            order.append(node)
            var newlyReady: [DefinitionID] = []
            for dependent in dependents[node] ?? [] {
                remaining[dependent]?.remove(node)
                if remaining[dependent, default: []].isEmpty, !done.contains(dependent) {
                    newlyReady.append(dependent)
                }
            }
            ready = (ready + newlyReady).sorted()
        }
        order.append(contentsOf: nodes.subtracting(done).sorted())
        return order
    }
}
