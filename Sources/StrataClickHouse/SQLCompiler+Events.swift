import StrataCore
import StrataEngine
import StrataLanguage

extension SQLCompiler {
    /// An aggregate over the profile's events: one `-If` aggregate of the rows its selector and window pick.
    func aggregate(_ aggregate: EventAggregate, _ e: TypedExpr) throws(Unsupported) -> Value {
        let filter = try self.filter(aggregate.selector, aggregate.window, e)
        let day = Double(Instant.day)
        switch aggregate.function {
        case .count:
            return .number("toFloat64(countIf(\(filter)))")
        case .did:
            return .bool("(countIf(\(filter)) > 0)")
        case .sum(let field):
            let (numbers, number) = try numeric(field, filter, e)
            return .number("sumIf(\(number), \(numbers))")
        case .average(let field):
            let (numbers, number) = try numeric(field, filter, e)
            return .number(Self.ifAny(numbers, "sumIf(\(number), \(numbers)) / countIf(\(numbers))"))
        case .minimum(let field):
            let (numbers, number) = try numeric(field, filter, e)
            return .number(Self.ifAny(numbers, "minIf(\(number), \(numbers))"))
        case .maximum(let field):
            let (numbers, number) = try numeric(field, filter, e)
            return .number(Self.ifAny(numbers, "maxIf(\(number), \(numbers))"))
        case .firstTime:
            return .number(Self.ifAny(filter, "minIf(time, \(filter))"))
        case .lastTime:
            return .number(Self.ifAny(filter, "maxIf(time, \(filter))"))
        case .daysSince:
            return .number("((\(SQL.integer(now)) - \(Self.ifAny(filter, "maxIf(time, \(filter))"))) / \(day))")
        case .daysSinceFirst:
            return .number("((\(SQL.integer(now)) - \(Self.ifAny(filter, "minIf(time, \(filter))"))) / \(day))")
        case .averageGap:
            // In the engine's order: (last - first) / day / (n - 1).
            let gap = "(maxIf(time, \(filter)) - minIf(time, \(filter))) / \(day) / (countIf(\(filter)) - 1)"
            return .number("if(countIf(\(filter)) < 2, \(Self.null), toNullable(toFloat64(\(gap))))")
        case .countDistinct, .activeDays, .top, .topShare:
            throw Unsupported(message: "\(aggregate.function.name) is not supported on ClickHouse yet", range: e.range)
        }
    }

    /// The rows carrying a number in a field among those `filter` picks, and that number.
    private func numeric(
        _ field: Field, _ filter: String, _ e: TypedExpr
    ) throws(Unsupported) -> (filter: String, number: String) {
        guard case .property(let path) = field else {
            throw Unsupported(message: "a sum or average of \(field) is not supported on ClickHouse", range: e.range)
        }
        let key = SQL.string(path.joined(separator: Row.pathSeparator))
        return ("(\(filter) AND types[indexOf(keys, \(key))] = \(Row.TypeCode.number))", "nums[indexOf(keys, \(key))]")
    }

    /// The condition picking the rows of a selector's events within a window.
    func filter(_ selector: EventSelector, _ window: Window, _ e: TypedExpr) throws(Unsupported) -> String {
        var parts = [Self.eventFilter]
        if let names = selector.names {
            parts.append(
                names.count == 1
                    ? "name = \(SQL.string(names[0]))" : "name IN (\(names.map(SQL.string).joined(separator: ", ")))")
        }
        guard let range = try bounds(window, e) else { return "0" }
        if let low = range.low { parts.append("time >= \(low)") }
        if range.high < now { parts.append("time <= \(range.high)") }
        if let condition = selector.condition {
            parts.append(try bool(condition, .event))
        }
        return "(" + parts.joined(separator: " AND ") + ")"
    }

    /// The closed range of event times a window covers, clipped at now: nil when it is empty, a nil
    /// low end when it reaches back to the first event (LANGUAGE.md §5).
    func bounds(_ window: Window, _ e: TypedExpr) throws(Unsupported) -> (low: Int64?, high: Int64)? {
        func range(_ low: Int64?, _ high: Int64) -> (low: Int64?, high: Int64)? {
            let high = min(high, now)
            if let low, low > high { return nil }
            return (low, high)
        }
        switch window {
        case .allTime:
            return range(nil, now)
        case .last(let d):
            return range(Self.minus(now, d) + 1, now)
        case .between(let from, let to):
            return range(Self.minus(now, from) + 1, Self.minus(now, to))
        case .before(let d):
            return range(nil, Self.minus(now, d))
        case .since(let point):
            return range(calendar.instant(point), now)
        case .absolute(let from, let to):
            return range(calendar.instant(from), calendar.instant(to) - 1)
        case .calendar(let relation, let unit):
            let starts = calendar.periodStarts(unit, containing: now, count: 2)
            return relation == .this ? range(starts[0], now) : range(starts[1], starts[0] - 1)
        case .first, .relative:
            throw Unsupported(
                message: "windows anchored at first_seen or an event are not supported on ClickHouse yet",
                range: e.range)
        case .period:
            throw Unsupported(
                message: "period windows (streak, count_periods) are not supported on ClickHouse yet", range: e.range)
        case .next:
            throw Unsupported(message: "`next` windows are not supported on ClickHouse", range: e.range)
        }
    }

    /// a - b, saturating (windows of absurd lengths reach the first or the last instant).
    static func minus(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? Int64.min + 1 : r
    }
}
