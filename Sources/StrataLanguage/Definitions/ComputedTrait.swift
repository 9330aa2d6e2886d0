/// A checked computed trait (an entry of traits.yaml), read as `computed.NAME`.
public struct ComputedTrait: Sendable {
    /// The name.
    public var name: String
    /// The value, of any type.
    public var expression: TypedExpr

    /// A computed trait from its parts.
    public init(name: String, expression: TypedExpr) {
        self.name = name
        self.expression = expression
    }
}
