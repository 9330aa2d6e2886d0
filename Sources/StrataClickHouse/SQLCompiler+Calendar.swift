import StrataCore
import StrataEngine
import StrataLanguage

extension SQLCompiler {
    // MARK: Local time

    /// The local time (milliseconds since the epoch, shifted by the zone's UTC offset) of a time
    /// expression: the offsets in force from ``earliest`` to now are worked out here and written as
    /// literals, so the SQL never reads the server's time zone data.
    func localTime(_ time: String) -> String {
        let (initial, changes) = (offsets.initial, offsets.changes)
        if changes.isEmpty { return initial == 0 ? time : "(\(time) + \(initial))" }
        var branches: [String] = []
        var offset = initial
        for change in changes {
            branches.append("\(time) < \(change.at), \(offset)")
            offset = change.offset
        }
        return "(\(time) + multiIf(\(branches.joined(separator: ", ")), \(offset)))"
    }

    /// The local day (days since 1970-01-01 in local time) of a time expression, as Int64.
    func localDay(_ time: String) -> String {
        Self.floorDivide(localTime(time), Instant.day)
    }

    /// The local hour (0-23) of a time expression.
    func hour(_ time: String) -> String {
        let local = localTime(time)
        return "intDiv(\(local) - \(Self.floorDivide(local, Instant.day)) * \(Instant.day), \(Instant.hour))"
    }

    /// The local weekday (`"mon"` ... `"sun"`) of a time expression (1970-01-01 was a Thursday).
    func weekday(_ time: String) -> String {
        let names = SQL.strings(LocalCalendar.weekdayNames)
        return "arrayElement(\(names), ((\(localDay(time)) + 3) % 7 + 7) % 7 + 1)"
    }

    /// `a` divided by a positive `d`, rounded down (ClickHouse's `intDiv` rounds toward zero).
    static func floorDivide(_ a: String, _ d: Int64) -> String {
        "(intDiv(\(a), \(d)) - (\(a) % \(d) < 0))"
    }

    /// A zone's UTC offset at `earliest` and the instants from which it changes up to `now`, with the
    /// offset from each on (the zone is asked at every day's start, and a change inside a day is found
    /// by bisection; zones change at most once a day).
    static func zoneOffsets(_ zone: Zone, from earliest: Int64, through now: Int64) -> Offsets {
        let initial = zone.offset(at: earliest)
        var changes: [(at: Int64, offset: Int64)] = []
        var (time, offset) = (earliest, initial)
        while time < now {
            let next = time + min(Instant.day, now - time)
            let nextOffset = zone.offset(at: next)
            if nextOffset != offset {
                var (low, high) = (time, next)  // offset(low) = offset, offset(high) != offset
                while high - low > 1 {
                    let middle = low + (high - low) / 2
                    if zone.offset(at: middle) == offset { low = middle } else { high = middle }
                }
                changes.append((high, zone.offset(at: high)))
            }
            (time, offset) = (next, nextOffset)
        }
        return Offsets(initial: initial, changes: changes)
    }

    // MARK: Periods

    /// `streak(P, COND)` (LANGUAGE.md §8): COND compiled once per period from now back to the one
    /// holding ``earliest``. The current period counts when COND holds in it; counting then goes back
    /// from the previous one to the first period where COND is false or that ends before first_seen.
    func streak(_ unit: CalendarUnit, _ condition: TypedExpr, _ e: TypedExpr) throws(Unsupported) -> String {
        let periods = try self.periods(unit, reaching: earliest, e)
        let events = Rows(filter: Self.eventFilter)
        let firstSeen = events.aggregate("min", ["time"])
        let current = try inPeriod(periods[0]).bool(condition, .profile)
        var earlier: [String] = []
        for period in periods.dropFirst() {
            let holds = try inPeriod(period).bool(condition, .profile)
            earlier.append("toUInt8(\(holds) AND \(firstSeen) <= \(period.upperBound))")
        }
        let run = "(arrayFirstIndex(x -> x = 0, [\((earlier + ["0"]).joined(separator: ", "))]) - 1)"
        return "if(\(events.count) = 0, toFloat64(0), toFloat64(toUInt8(\(current)) + \(run)))"
    }

    /// `count_periods(P, COND, N)`: how many of the last N periods (the current one included) satisfy COND.
    func countPeriods(
        _ unit: CalendarUnit, _ condition: TypedExpr, _ count: Int, _ e: TypedExpr
    ) throws(Unsupported) -> String {
        var terms: [String] = []
        for period in periods(unit, count: count) {
            terms.append("toUInt8(\(try inPeriod(period).bool(condition, .profile)))")
        }
        return terms.isEmpty ? "toFloat64(0)" : "toFloat64(\(terms.joined(separator: " + ")))"
    }

    /// The most periods `streak` unrolls: ten years of days.
    static let maximumPeriods = 3660

    /// The periods of `unit` from the current one back to the one holding `instant`, newest first.
    private func periods(
        _ unit: CalendarUnit, reaching instant: Int64, _ e: TypedExpr
    ) throws(Unsupported) -> [ClosedRange<Int64>] {
        // No period is shorter than this (a day of a daylight-saving change lasts 23 hours).
        let shortest: Int64
        switch unit {
        case .day: shortest = Instant.day - Instant.hour
        case .week: shortest = 7 * Instant.day - Instant.hour
        case .month: shortest = 28 * Instant.day - Instant.hour
        case .year: shortest = 365 * Instant.day - Instant.hour
        }
        let estimate = (now - instant) / shortest + 2
        guard estimate <= Int64(Self.maximumPeriods) else {
            throw Unsupported(
                message: "streak over more than \(Self.maximumPeriods) periods is not supported on ClickHouse",
                range: e.range)
        }
        var result = periods(unit, count: Int(estimate))
        if let last = result.firstIndex(where: { $0.lowerBound <= instant }) { result.removeSubrange((last + 1)...) }
        return result
    }

    /// The last `count` periods of `unit`, newest first: the current one ends now.
    private func periods(_ unit: CalendarUnit, count: Int) -> [ClosedRange<Int64>] {
        let starts = calendar.periodStarts(unit, containing: now, count: count)
        return starts.indices.map { k in starts[k]...(k == 0 ? now : starts[k - 1] - 1) }
    }

    /// This compiler with the window of event functions written without one set to a period.
    private func inPeriod(_ period: ClosedRange<Int64>) -> SQLCompiler {
        var compiler = self
        compiler.period = period
        return compiler
    }
}
