/// The event aggregates. "Matching" means selected and inside the window.
public enum AggregateFunction: Sendable, Equatable {
    /// `count(E, W)`: the number of matching events (number, never missing).
    case count
    /// `did(E, W)`: count >= 1 (bool).
    case did
    /// `count_distinct(E, f, W)`: distinct values of f over matching events that carry it
    /// (`$user` counts users). Number, 0 over nothing.
    case countDistinct(Field)
    /// `sum(E, f, W)`: sum of numeric f (non-numbers and absent skipped); 0 over nothing.
    case sum(Field)
    /// `avg(E, f, W)`: mean of numeric f; missing over nothing.
    case average(Field)
    /// `min(E, f, W)`: smallest numeric f; missing over nothing.
    case minimum(Field)
    /// `max(E, f, W)`: largest numeric f; missing over nothing.
    case maximum(Field)
    /// `first_time(E, W)`: time of the first matching event (timestamp); missing over nothing.
    case firstTime
    /// `last_time(E, W)`: time of the last matching event (timestamp); missing over nothing.
    case lastTime
    /// `days_since(E, W)`: (now - last_time) in days, fractional; missing if never.
    case daysSince
    /// `days_since_first(E, W)`: (now - first_time) in days, fractional; missing if never.
    case daysSinceFirst
    /// `active_days(E, W)`: distinct calendar days (workspace timezone) with a matching event.
    case activeDays
    /// `avg_gap(E, W)`: (last - first) / (n - 1) in days; missing under 2 events.
    case averageGap
    /// `top(E, f, W)`: the most frequent value of f among events carrying it (ties: smallest in byte
    /// order); type dynamic; missing over nothing.
    case top(Field)
    /// `top_share(E, f, W)`: share (0..1) of events carrying f whose value is the top value; missing over nothing.
    case topShare(Field)

    /// The language name of the function.
    public var name: String {
        switch self {
        case .count: "count"
        case .did: "did"
        case .countDistinct: "count_distinct"
        case .sum: "sum"
        case .average: "avg"
        case .minimum: "min"
        case .maximum: "max"
        case .firstTime: "first_time"
        case .lastTime: "last_time"
        case .daysSince: "days_since"
        case .daysSinceFirst: "days_since_first"
        case .activeDays: "active_days"
        case .averageGap: "avg_gap"
        case .top: "top"
        case .topShare: "top_share"
        }
    }
}
