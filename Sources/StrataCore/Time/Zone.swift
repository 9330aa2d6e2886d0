import Foundation

/// An IANA time zone, used for calendar windows, `$weekday`, `$hour` and dates in definitions.
public struct Zone: Sendable, Hashable {
    /// The IANA identifier, for example `Europe/Berlin`.
    public let identifier: String
    private let timeZone: TimeZone

    /// UTC.
    public static let utc = Zone(timeZone: TimeZone(secondsFromGMT: 0) ?? .current, identifier: "UTC")

    private init(timeZone: TimeZone, identifier: String) {
        self.timeZone = timeZone
        self.identifier = identifier
    }

    /// The zone for an IANA identifier, or nil when the identifier is unknown.
    public init?(identifier: String) {
        if identifier == "UTC" {
            self = .utc
            return
        }
        guard let timeZone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: timeZone, identifier: identifier)
    }

    /// The offset from UTC, in milliseconds, in force at an instant.
    public func offset(at instant: Int64) -> Int64 {
        if identifier == "UTC" { return 0 }
        let date = Date(timeIntervalSince1970: Double(instant) / 1000)
        return Int64(timeZone.secondsFromGMT(for: date)) * 1000
    }

    /// The local calendar date at an instant.
    public func date(at instant: Int64) -> CivilDate {
        let local = instant + offset(at: instant)
        return CivilDate(daysSinceEpoch: Int(Instant.floorDivide(local, Instant.day).quotient))
    }

    /// The local hour (0-23) at an instant.
    public func hour(at instant: Int64) -> Int {
        let local = instant + offset(at: instant)
        return Int(Instant.floorDivide(local, Instant.day).remainder / Instant.hour)
    }

    /// The instant at which a local date begins (local midnight; the first instant of the day
    /// when a daylight-saving jump skips midnight).
    public func start(of date: CivilDate) -> Int64 {
        let local = Int64(date.daysSinceEpoch) * Instant.day
        var guess = local - offset(at: local)
        // Re-evaluate with the offset at the guess: converges across DST transitions.
        for _ in 0..<2 {
            guess = local - offset(at: guess)
        }
        if self.date(at: guess) != date {
            // Midnight does not exist: the day starts at the transition that skipped it.
            var low = guess
            var high = guess + 3 * Instant.hour
            while high - low > 1 {
                let mid = (low + high) / 2
                if self.date(at: mid) < date { low = mid } else { high = mid }
            }
            return high
        }
        return guess
    }
}
