/// One input of a weighted score.
public struct WeightedInput: Sendable {
    /// The value (number or bool; bools are 0 or 1).
    public var expression: TypedExpr
    /// The weight (>= 0; the weights of a score sum to more than 0). Default 1.
    public var weight: Double
    /// How the raw value maps onto [0, 1].
    public var normalize: Normalization
    /// The normalized value, in [0, 1], used when the expression is missing (default 0).
    public var missing: Double

    /// An input from its parts.
    public init(expression: TypedExpr, weight: Double = 1, normalize: Normalization = .none, missing: Double = 0) {
        self.expression = expression
        self.weight = weight
        self.normalize = normalize
        self.missing = missing
    }
}
