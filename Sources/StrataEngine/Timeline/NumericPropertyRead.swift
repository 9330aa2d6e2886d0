import StrataLanguage

/// A numeric aggregate (`sum`, `avg`, `min`, `max`) over an event property, where a definition reads
/// it: such an aggregate skips values that are text, so text in the stored events is worth a warning.
public struct NumericPropertyRead: Sendable, Equatable {
    /// The function's name as written (`sum`).
    public var function: String
    /// The event names the selector picks, nil for `any`.
    public var events: [String]?
    /// The property path.
    public var property: [String]
    /// The definition file, and where in it.
    public var file: String
    /// See ``file``.
    public var range: SourceRange

    /// Every numeric aggregate over a property in an expression.
    public static func reads(
        in expression: TypedExpr, file: String, scope: ProfileKind = .users
    )
        -> [NumericPropertyRead]
    {
        var reads: [NumericPropertyRead] = []
        PlanWalk.walk(expression, scope: scope) { item, _ in
            guard case .node(let node) = item, case .aggregate(let aggregate) = node.node else { return }
            switch aggregate.function {
            case .sum(.property(let path)), .average(.property(let path)), .minimum(.property(let path)),
                .maximum(.property(let path)):
                reads.append(
                    NumericPropertyRead(
                        function: aggregate.function.name, events: aggregate.selector.names, property: path,
                        file: file, range: node.range))
            default:
                break
            }
        }
        return reads
    }

    /// Every numeric aggregate over a property in a workspace's definitions.
    public static func reads(in definitions: Definitions) -> [NumericPropertyRead] {
        var reads: [NumericPropertyRead] = []
        for id in definitions.evaluationOrder {
            let file: String
            switch id.kind {
            case .segment: file = definitions.segment(named: id.name)?.file ?? ""
            case .score: file = definitions.score(named: id.name)?.file ?? ""
            case .stage: file = definitions.stageModel(named: id.name)?.file ?? ""
            case .computed: file = "traits.yaml"
            case .rfm: file = "rfm.yaml"
            }
            let scope = id.kind == .segment ? definitions.segment(named: id.name)?.of ?? .users : .users
            for expression in DataNeeds.expressions(of: id, in: definitions) {
                reads += Self.reads(in: expression, file: file, scope: scope)
            }
        }
        return reads
    }

    /// Whether an event of this name is one the selector picks.
    public func picks(_ event: String) -> Bool { events?.contains(event) ?? true }
}
