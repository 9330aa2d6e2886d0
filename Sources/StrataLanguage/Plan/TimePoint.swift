import StrataCore

/// A point in time written in a definition: a date (midnight in the workspace timezone) or an instant.
public enum TimePoint: Sendable, Hashable, CustomStringConvertible {
    /// Midnight at the start of this date in the workspace timezone.
    case date(DateLiteral)
    /// An exact instant, in milliseconds since 1970-01-01T00:00:00Z.
    case instant(milliseconds: Int64)

    /// As written (instants in UTC milliseconds).
    public var description: String {
        switch self {
        case .date(let d): d.description
        case .instant(let ms): "@\(ms)ms"
        }
    }
}
