import StrataCore

extension Value {
    /// The value as JSON: times as ISO 8601 text, durations as milliseconds, missing as null.
    public var json: JSONValue {
        switch self {
        case .missing: .null
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .time(let t): .string(Instant.format(t))
        case .duration(let d): .number(Double(d))
        case .json(let j): j
        }
    }
}
