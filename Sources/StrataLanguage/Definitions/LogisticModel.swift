/// A trained logistic model (`kind: logistic`).
public struct LogisticModel: Sendable {
    /// Who is scored and trained on; nil means every profile.
    public var population: TypedExpr?
    /// The features (numbers or bools), in order.
    public var features: [TypedExpr]
    /// The outcome to predict; may use `next D` windows.
    public var label: TypedExpr
    /// The point-in-time snapshots to train on, oldest first as written.
    public var trainAsOf: [DateLiteral]

    /// A model from its parts.
    public init(population: TypedExpr?, features: [TypedExpr], label: TypedExpr, trainAsOf: [DateLiteral]) {
        self.population = population
        self.features = features
        self.label = label
        self.trainAsOf = trainAsOf
    }
}
