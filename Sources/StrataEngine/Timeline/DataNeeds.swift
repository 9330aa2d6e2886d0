import StrataLanguage

/// What the timelines must keep for a set of definitions: the property paths their event functions
/// read (with the event names that need them), the traits they read, and whether account timelines
/// need events.
///
/// Keeping only these is what keeps a timeline near 30 bytes per event.
public struct DataNeeds: Sendable, Equatable {
    /// The events a property path is kept on.
    public enum Events: Sendable, Equatable {
        /// Every event (the path is read by `any` or by a name-free selector).
        case all
        /// Events with one of these names.
        case named(Set<String>)

        mutating func add(_ names: [String]?) {
            guard case .named(let existing) = self else { return }
            if let names { self = .named(existing.union(names)) } else { self = .all }
        }
    }

    /// Property paths to keep, and on which events.
    public var properties: [[String]: Events] = [:]
    /// User trait paths to keep (`trait.plan` is `["plan"]`).
    public var traits: Set<[String]> = []
    /// Account trait paths to keep.
    public var accountTraits: Set<[String]> = []
    /// Whether account timelines need their users' events.
    public var accountEvents = false

    /// Nothing kept.
    public init() {}

    /// The property and trait keys (the first step of every path) that anything needs: messages may
    /// be read with only these members of their properties and traits.
    public var payloadKeys: Set<String> {
        Set(properties.keys.compactMap(\.first)).union(traits.compactMap(\.first)).union(
            accountTraits.compactMap(\.first))
    }

    /// What every definition of a workspace reads: segments in their own scope, and scores, stages,
    /// computed traits and RFM (its defaults when there is no rfm.yaml) in every scope they are read from
    /// (users always).
    public init(definitions: Definitions) {
        var visited: Set<ScopedID> = []
        for segment in definitions.segments {
            add(segment.condition, scope: segment.of, definitions: definitions, visited: &visited)
        }
        for score in definitions.scores { addDefinition(.init(.score, score.name), .users, definitions, &visited) }
        for model in definitions.stageModels {
            addDefinition(.init(.stage, model.name), .users, definitions, &visited)
        }
        for trait in definitions.computedTraits {
            addDefinition(.init(.computed, trait.name), .users, definitions, &visited)
        }
        addDefinition(.rfm, .users, definitions, &visited)
    }

    /// Adds what an expression reads when evaluated for a kind of profile (references to other
    /// definitions are not followed; see ``init(definitions:)``).
    public mutating func add(_ expr: TypedExpr, scope: ProfileKind) {
        PlanWalk.walk(expr, scope: scope) { item, scope in
            self.note(item, scope)
        }
    }

    private struct ScopedID: Hashable {
        var id: DefinitionID
        var scope: ProfileKind
    }

    private mutating func add(
        _ expr: TypedExpr, scope: ProfileKind, definitions: Definitions, visited: inout Set<ScopedID>
    ) {
        var references: [(DefinitionID, ProfileKind)] = []
        PlanWalk.walk(expr, scope: scope) { item, scope in
            self.note(item, scope)
            if case .node(let node) = item {
                switch node.node {
                case .segment(let name): references.append((DefinitionID(.segment, name), scope))
                case .score(let name): references.append((DefinitionID(.score, name), scope))
                case .stage(let name): references.append((DefinitionID(.stage, name), scope))
                case .computed(let name): references.append((DefinitionID(.computed, name), scope))
                case .percentile(_, let among?): references.append((DefinitionID(.segment, among), scope))
                case .rfm: references.append((.rfm, scope))
                default: break
                }
            }
        }
        for (id, scope) in references { addDefinition(id, scope, definitions, &visited) }
    }

    private mutating func addDefinition(
        _ id: DefinitionID, _ scope: ProfileKind, _ definitions: Definitions, _ visited: inout Set<ScopedID>
    ) {
        guard visited.insert(ScopedID(id: id, scope: scope)).inserted else { return }
        for expr in Self.expressions(of: id, in: definitions) {
            add(
                expr, scope: id.kind == .segment ? (definitions.segment(named: id.name)?.of ?? scope) : scope,
                definitions: definitions, visited: &visited)
        }
    }

    /// The expressions a definition evaluates.
    static func expressions(of id: DefinitionID, in definitions: Definitions) -> [TypedExpr] {
        switch id.kind {
        case .segment:
            return definitions.segment(named: id.name).map { [$0.condition] } ?? []
        case .score:
            guard let score = definitions.score(named: id.name) else { return [] }
            switch score.model {
            case .weighted(let inputs): return inputs.map(\.expression)
            case .logistic(let model): return model.features + [model.label] + (model.population.map { [$0] } ?? [])
            }
        case .stage:
            return definitions.stageModel(named: id.name)?.stages.compactMap(\.condition) ?? []
        case .computed:
            return definitions.computedTraits.filter { $0.name == id.name }.map(\.expression)
        case .rfm:
            let rfm = definitions.rfm
            return [rfm.recency, rfm.frequency, rfm.monetary] + (rfm.population.map { [$0] } ?? [])
        }
    }

    private mutating func note(_ item: PlanWalk.Item, _ scope: ProfileKind) {
        switch item {
        case .events(let selector, let field):
            if scope == .accounts { accountEvents = true }
            if case .property(let path)? = field { keep(path, on: selector.names) }
            if let condition = selector.condition {
                PlanWalk.walk(condition, scope: scope) { inner, _ in
                    if case .node(let node) = inner, case .property(let path) = node.node {
                        self.keep(path, on: selector.names)
                    }
                }
            }
        case .node(let node):
            switch node.node {
            case .trait(let path):
                if scope == .users { traits.insert(path) } else { accountTraits.insert(path) }
            case .firstSeen, .lastSeen, .streak:
                if scope == .accounts { accountEvents = true }
            case .aggregate(let a):
                if scope == .accounts, case .first = a.window { accountEvents = true }
            default:
                break
            }
        }
    }

    private mutating func keep(_ path: [String], on names: [String]?) {
        if var events = properties[path] {
            events.add(names)
            properties[path] = events
        } else {
            properties[path] = names.map { .named(Set($0)) } ?? .all
        }
    }

    /// Merges another set of needs into this one.
    public mutating func formUnion(_ other: DataNeeds) {
        for (path, events) in other.properties {
            switch events {
            case .all: keep(path, on: nil)
            case .named(let names): keep(path, on: Array(names))
            }
        }
        traits.formUnion(other.traits)
        accountTraits.formUnion(other.accountTraits)
        accountEvents = accountEvents || other.accountEvents
    }
}
