/// RFM settings (rfm.yaml, all optional; LANGUAGE.md §7).
///
/// Bins: score = 1 + floor(5 × number of population profiles with a strictly worse value / population
/// size), recency inverted (fewer days is better). `rfm.*` is missing outside the population.
public struct RFMSettings: Sendable {
    /// Recency (default `days_since("Order Completed")`).
    public var recency: TypedExpr
    /// Frequency (default `count("Order Completed", last 365d)`).
    public var frequency: TypedExpr
    /// Monetary value (default `sum("Order Completed", revenue, last 365d)`).
    public var monetary: TypedExpr
    /// Who is ranked; nil means the profiles whose frequency is > 0.
    public var population: TypedExpr?
    /// The segment map.
    public var map: RFMMap

    /// Settings from their parts.
    public init(recency: TypedExpr, frequency: TypedExpr, monetary: TypedExpr, population: TypedExpr?, map: RFMMap) {
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
        self.population = population
        self.map = map
    }

    /// The default recency expression.
    public static let defaultRecency = #"days_since("Order Completed")"#
    /// The default frequency expression.
    public static let defaultFrequency = #"count("Order Completed", last 365d)"#
    /// The default monetary expression.
    public static let defaultMonetary = #"sum("Order Completed", revenue, last 365d)"#
}
