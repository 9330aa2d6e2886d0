/// A constant value.
public enum Literal: Sendable, Equatable {
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// A bool.
    case bool(Bool)
    /// A duration in milliseconds.
    case duration(Int64)
    /// A timestamp: a date (midnight in the workspace timezone) or an instant.
    case time(TimePoint)
}
