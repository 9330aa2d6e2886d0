/// The functions of the language (LANGUAGE.md §6), with the usage shown in arity messages.
enum FunctionCatalog {
    /// The event aggregates that take a property argument `f`.
    static let aggregatesWithField: Set<String> = [
        "count_distinct", "sum", "avg", "min", "max", "top", "top_share",
    ]

    /// The event aggregates that take only a selector (and a window).
    static let aggregatesWithoutField: Set<String> = [
        "count", "did", "first_time", "last_time", "days_since", "days_since_first", "active_days", "avg_gap",
    ]

    /// The aggregate a function name denotes, given its property argument when it takes one.
    static func aggregate(_ name: String, field: Field?) -> AggregateFunction? {
        let f = field ?? .property([])
        switch name {
        case "count": return .count
        case "did": return .did
        case "count_distinct": return .countDistinct(f)
        case "sum": return .sum(f)
        case "avg": return .average(f)
        case "min": return .minimum(f)
        case "max": return .maximum(f)
        case "first_time": return .firstTime
        case "last_time": return .lastTime
        case "days_since": return .daysSince
        case "days_since_first": return .daysSinceFirst
        case "active_days": return .activeDays
        case "avg_gap": return .averageGap
        case "top": return .top(f)
        case "top_share": return .topShare(f)
        default: return nil
        }
    }

    /// How each function is called, for messages.
    static let usage: [String: String] = [
        "count": "count(E, W)",
        "did": "did(E, W)",
        "count_distinct": "count_distinct(E, f, W)",
        "sum": "sum(E, f, W)",
        "avg": "avg(E, f, W)",
        "min": "min(E, f, W)",
        "max": "max(E, f, W)",
        "first_time": "first_time(E, W)",
        "last_time": "last_time(E, W)",
        "days_since": "days_since(E)",
        "days_since_first": "days_since_first(E)",
        "active_days": "active_days(E, W)",
        "avg_gap": "avg_gap(E, W)",
        "top": "top(E, f, W)",
        "top_share": "top_share(E, f, W)",
        "share": "share(E, of: E2, W)",
        "followed_by": "followed_by(A, B, within: D, W)",
        "not_followed_by": "not_followed_by(A, B, within: D, W)",
        "funnel": "funnel(A, B, C..., within: D, W)",
        "streak": "streak(P, COND)",
        "count_periods": "count_periods(P, COND, N)",
        "days_between": "days_between(t1, t2)",
        "segment": "segment(\"name\")",
        "percentile": "percentile(EXPR, among: \"segment\")",
        "count_users": "count_users(COND)",
        "least": "least(x, y, ...)",
        "greatest": "greatest(x, y, ...)",
        "abs": "abs(x)",
        "round": "round(x) or round(x, digits)",
        "floor": "floor(x)",
        "coalesce": "coalesce(x, y, ...)",
        "exists": "exists(x)",
    ]

    /// Every function name.
    static var names: [String] { Array(usage.keys).sorted() }

    /// Functions that read events or the population, and so cannot be used inside an event `where`.
    static let eventReading: Set<String> = aggregatesWithField.union(aggregatesWithoutField).union([
        "share", "followed_by", "not_followed_by", "funnel", "streak", "count_periods", "percentile", "count_users",
    ])
}
