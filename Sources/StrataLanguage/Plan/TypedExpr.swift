/// A checked expression with its static type: the plan the evaluation engine compiles.
///
/// Run-time rules every node follows (LANGUAGE.md §3): arithmetic on a missing operand is missing; a
/// comparison with a missing operand is false; a comparison between values of different run-time
/// types (number vs string...) is false; `not` of false is true. Bool-typed nodes are never missing.
public struct TypedExpr: Sendable, Equatable {
    /// What to compute.
    public var node: PlanNode
    /// The static type of the result.
    public var type: ValueType
    /// Whether the result can be missing at run time (absent property, avg over nothing, x / 0...).
    public var mayBeMissing: Bool
    /// Where the expression is written (file positions for definitions loaded from YAML).
    public var range: SourceRange

    /// A typed node from its parts.
    public init(_ node: PlanNode, type: ValueType, mayBeMissing: Bool = false, range: SourceRange) {
        self.node = node
        self.type = type
        self.mayBeMissing = mayBeMissing
        self.range = range
    }
}
