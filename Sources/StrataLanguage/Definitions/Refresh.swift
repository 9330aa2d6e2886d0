/// A segment's refresh cadence (`refresh:`).
public enum Refresh: String, Sendable, Hashable, CaseIterable {
    /// On every event and at every window edge.
    case realtime
    /// Every 15 minutes.
    case fifteenMinutes = "15m"
    /// Every hour.
    case hourly = "1h"
    /// Every 6 hours.
    case sixHours = "6h"
    /// Once a day.
    case daily

    /// The interval in milliseconds, nil for realtime.
    public var interval: Int64? {
        switch self {
        case .realtime: nil
        case .fifteenMinutes: 900_000
        case .hourly: 3_600_000
        case .sixHours: 21_600_000
        case .daily: 86_400_000
        }
    }
}
