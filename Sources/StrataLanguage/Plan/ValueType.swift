/// The static type of a checked expression (LANGUAGE.md §3).
public enum ValueType: String, Sendable, Hashable, CustomStringConvertible {
    /// A 64-bit float.
    case number
    /// Text.
    case string
    /// A condition.
    case bool
    /// An instant (Int64 milliseconds since 1970 UTC at run time).
    case timestamp
    /// A length of time (Int64 milliseconds at run time).
    case duration
    /// Known only at run time: event properties, traits, `top(...)`. Any operation accepts it; a
    /// comparison with a value of another type is false at run time, arithmetic on a non-number is missing.
    case dynamic

    /// `a number`, `a string`, `a bool`...
    public var description: String {
        switch self {
        case .number: "a number"
        case .string: "a string"
        case .bool: "a condition (bool)"
        case .timestamp: "a timestamp"
        case .duration: "a duration"
        case .dynamic: "a value"
        }
    }
}
