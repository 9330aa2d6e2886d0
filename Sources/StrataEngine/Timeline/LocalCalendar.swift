import StrataCore
import StrataLanguage

/// Calendar arithmetic in the workspace time zone, fast enough for per-event use.
///
/// UTC offsets are tabulated per UTC day over the population's time span (a day whose offset changes
/// falls back to the zone itself), so `$weekday`, `$hour` and `active_days` cost an array read per event.
public struct LocalCalendar: Sendable {
    /// The workspace time zone.
    public let zone: Zone
    private let isUTC: Bool
    private let firstDay: Int64
    /// Offset in ms at the start of each UTC day from `firstDay`, or `Int64.min` when it changes that day.
    private let offsets: [Int64]

    /// A calendar for a zone, tabulating offsets for the UTC days from `earliest` to `latest` (at most
    /// about 550 years; instants outside ask the zone).
    public init(zone: Zone, from earliest: Int64, through latest: Int64) {
        self.zone = zone
        isUTC = zone.identifier == "UTC" || zone.identifier == "Etc/UTC"
        guard !isUTC, earliest <= latest else {
            firstDay = 0
            offsets = []
            return
        }
        let last = Instant.floorDivide(latest, Instant.day).quotient + 1
        let first = max(Instant.floorDivide(earliest, Instant.day).quotient - 1, last - 200_000)
        firstDay = first
        var table: [Int64] = []
        table.reserveCapacity(Int(last - first + 1))
        var next = zone.offset(at: first * Instant.day)
        for day in first...last {
            let start = next
            next = zone.offset(at: (day + 1) * Instant.day)
            let end = zone.offset(at: (day + 1) * Instant.day - 1)
            table.append(start == end ? start : Int64.min)
        }
        offsets = table
    }

    /// The UTC offset in ms at an instant.
    @inline(__always) public func offset(at t: Int64) -> Int64 {
        if isUTC { return 0 }
        let day = Instant.floorDivide(t, Instant.day).quotient - firstDay
        if day >= 0, day < Int64(offsets.count) {
            let o = offsets[Int(day)]
            if o != Int64.min { return o }
        }
        return zone.offset(at: t)
    }

    /// The local day number (days since 1970-01-01 in local time) of an instant.
    @inline(__always) public func localDay(_ t: Int64) -> Int64 {
        Instant.floorDivide(t &+ offset(at: t), Instant.day).quotient
    }

    /// The local weekday of an instant, 0 = Monday ... 6 = Sunday.
    @inline(__always) public func weekday(_ t: Int64) -> Int {
        let d = Int((localDay(t) + 3) % 7)
        return d < 0 ? d + 7 : d
    }

    /// The local hour (0-23) of an instant.
    @inline(__always) public func hour(_ t: Int64) -> Int {
        Int(Instant.floorDivide(t &+ offset(at: t), Instant.day).remainder / Instant.hour)
    }

    /// `"mon"` ... `"sun"`.
    public static let weekdayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Midnight of a date in the zone.
    public func start(of date: CivilDate) -> Int64 { zone.start(of: date) }

    /// The instant of a definition's time point (dates are local midnight).
    public func instant(_ point: TimePoint) -> Int64 {
        switch point {
        case .date(let d): zone.start(of: CivilDate(year: d.year, month: d.month, day: d.day))
        case .instant(let ms): ms
        }
    }

    /// The starts of the period of `unit` holding `now` and of the `count - 1` periods before it,
    /// newest first. Weeks start Monday.
    public func periodStarts(_ unit: CalendarUnit, containing now: Int64, count: Int) -> [Int64] {
        let today = zone.date(at: now)
        var result: [Int64] = []
        result.reserveCapacity(count)
        for k in 0..<max(count, 0) {
            result.append(start(of: Self.periodStartDate(unit, today: today, back: k)))
        }
        return result
    }

    /// The first date of the period `back` periods before the one holding `today`.
    static func periodStartDate(_ unit: CalendarUnit, today: CivilDate, back: Int) -> CivilDate {
        switch unit {
        case .day:
            return CivilDate(daysSinceEpoch: today.daysSinceEpoch - back)
        case .week:
            return CivilDate(daysSinceEpoch: today.daysSinceEpoch - today.weekdayFromMonday - 7 * back)
        case .month:
            let months = today.year * 12 + (today.month - 1) - back
            let year = months >= 0 ? months / 12 : (months - 11) / 12
            return CivilDate(year: year, month: months - year * 12 + 1, day: 1)
        case .year:
            return CivilDate(year: today.year - back, month: 1, day: 1)
        }
    }
}
