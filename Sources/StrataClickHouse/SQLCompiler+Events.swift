import StrataCore
import StrataEngine
import StrataLanguage

extension SQLCompiler {
    /// The rows an event function reads: those its selector picks within its window.
    ///
    /// A window with fixed bounds is part of ``filter``, and an aggregate over the rows is one `-If`
    /// aggregate. A window anchored at a profile's first event has bounds that are themselves
    /// aggregates, which no `-If` condition may hold: its rows are gathered per profile as an array of
    /// `(time, arguments...)` tuples (`groupArrayIf`), and the aggregate runs over the elements whose
    /// time `x.1` passes ``anchored`` (`arrayFilter`, then `arrayReduce`).
    struct Rows {
        /// The condition on a row: the selector and the window's fixed bounds.
        var filter: String
        /// The condition on an element `x` of the gathered rows, for an anchored window.
        var anchored: String?

        /// `function` (a ClickHouse aggregate taking an `-If` combinator) over the rows, of the
        /// arguments, restricted further by `condition`: an `-If` aggregate, or for an anchored
        /// window the aggregate over the gathered elements inside it.
        func aggregate(_ function: String, _ arguments: [String] = [], where condition: String? = nil) -> String {
            guard anchored != nil else {
                return "\(function)If(\((arguments + [picked(condition)]).joined(separator: ", ")))"
            }
            let gathered = self.gathered(arguments, where: condition)
            if arguments.isEmpty { return "length(\(gathered))" }  // count, the one aggregate of no argument
            var columns: [String] = []
            for index in arguments.indices { columns.append("arrayMap(x -> x.\(index + 2), \(gathered))") }
            return "arrayReduce('\(function)', \(columns.joined(separator: ", ")))"
        }

        /// The rows as an array of `(time, arguments...)` tuples in no particular order, restricted
        /// further by `condition`.
        func gathered(_ arguments: [String], where condition: String? = nil) -> String {
            let all = "groupArrayIf(tuple(\((["time"] + arguments).joined(separator: ", "))), \(picked(condition)))"
            return anchored.map { "arrayFilter(x -> \($0), \(all))" } ?? all
        }

        /// The condition on a row that it is one of these passing `condition`.
        private func picked(_ condition: String?) -> String {
            condition.map { "(\(filter) AND \($0))" } ?? filter
        }

        /// How many rows there are.
        var count: String { aggregate("count") }

        /// The times of the rows, as an array in no particular order.
        var times: String {
            anchored == nil ? "groupArrayIf(time, \(filter))" : "arrayMap(x -> x.1, \(gathered([])))"
        }

        /// `value` when some row passes (`condition`), else NULL.
        func ifAny(_ value: String, where condition: String? = nil) -> String {
            "if(\(aggregate("count", where: condition)) = 0, \(SQLCompiler.null), toNullable(toFloat64(\(value))))"
        }
    }

    /// An aggregate over the profile's events: an aggregate of the rows its selector and window pick
    /// (``Rows``), in the engine's order of operations where it is exact.
    func aggregate(_ aggregate: EventAggregate, _ e: TypedExpr) throws(Unsupported) -> Value {
        let rows = try self.rows(aggregate.selector, aggregate.window, e)
        let day = Double(Instant.day)
        switch aggregate.function {
        case .count:
            return .number("toFloat64(\(rows.count))")
        case .did:
            return .bool("(\(rows.count) > 0)")
        case .countDistinct(let field):
            let key = try self.key(field, e)
            return .number("toFloat64(\(rows.aggregate("uniqExact", key.parts, where: key.present)))")
        case .sum(let field):
            let (isNumber, number) = try numeric(field, e)
            return .number(rows.aggregate("sum", [number], where: isNumber))
        case .average(let field):
            let (isNumber, number) = try numeric(field, e)
            let mean =
                "\(rows.aggregate("sum", [number], where: isNumber)) / \(rows.aggregate("count", where: isNumber))"
            return .number(rows.ifAny(mean, where: isNumber))
        case .minimum(let field):
            let (isNumber, number) = try numeric(field, e)
            return .number(rows.ifAny(rows.aggregate("min", [number], where: isNumber), where: isNumber))
        case .maximum(let field):
            let (isNumber, number) = try numeric(field, e)
            return .number(rows.ifAny(rows.aggregate("max", [number], where: isNumber), where: isNumber))
        case .firstTime:
            return .number(rows.ifAny(rows.aggregate("min", ["time"])))
        case .lastTime:
            return .number(rows.ifAny(rows.aggregate("max", ["time"])))
        case .daysSince:
            return .number("((\(SQL.integer(now)) - \(rows.ifAny(rows.aggregate("max", ["time"])))) / \(day))")
        case .daysSinceFirst:
            return .number("((\(SQL.integer(now)) - \(rows.ifAny(rows.aggregate("min", ["time"])))) / \(day))")
        case .activeDays:
            return .number("toFloat64(\(rows.aggregate("uniqExact", [localDay("time")])))")
        case .averageGap:
            // In the engine's order: (last - first) / day / (n - 1).
            let (first, last) = (rows.aggregate("min", ["time"]), rows.aggregate("max", ["time"]))
            let gap = "(\(last) - \(first)) / \(day) / (\(rows.count) - 1)"
            return .number("if(\(rows.count) < 2, \(Self.null), toNullable(toFloat64(\(gap))))")
        case .top(let field), .topShare(let field):
            // The values carried, their distinct values with how often each is carried, and the most
            // frequent (ties: the smallest, as the type codes order numbers, strings, bools, then
            // arrays and objects; each by value).
            let key = try self.key(field, e)
            let values = "arrayMap(x -> (x.2, x.3, x.4), \(rows.gathered(key.parts, where: key.present)))"
            let distinct = "arrayDistinct(\(values))"
            let counts = "arrayMap(v -> countEqual(\(values), v), \(distinct))"
            if case .topShare = aggregate.function {
                let share = "toFloat64(arrayReduce('max', \(counts))) / length(\(values))"
                return .number("if(empty(\(values)), \(Self.null), toNullable(\(share)))")
            }
            let top = "arraySort((v, c) -> (-c, v), \(distinct), \(counts))[1]"
            return .dynamic(type: "if(empty(\(values)), 0, \(top).1)", number: "\(top).2", string: "\(top).3")
        }
    }

    /// `followed_by` / `not_followed_by` (LANGUAGE.md §8): B follows A when a < b <= a + D; only A is
    /// restricted by the window; `not_followed_by` considers an A only when a + D <= now. Each A's
    /// time is compared with each B's (`arrayExists` in `arrayExists`), in milliseconds; both arrays
    /// are gathered outside the lambdas (``bound(_:_:)``).
    func sequence(_ sequence: EventSequence, _ e: TypedExpr) throws(Unsupported) -> String {
        let firsts = try rows(sequence.steps[0], sequence.window, e).times
        let seconds = try rows(sequence.steps[1], .allTime, e).times
        let follows = "arrayExists(b -> b > a AND b - a <= \(sequence.within), seq_seconds)"
        let test =
            sequence.kind == .followedBy
            ? "arrayExists(a -> \(follows), seq_firsts)"
            : "arrayExists(a -> a <= \(Self.minus(now, sequence.within)) AND NOT \(follows), seq_firsts)"
        return Self.bound(test, [("seq_firsts", firsts), ("seq_seconds", seconds)])
    }

    /// `funnel(A, B, C..., within: D, W)`: the most steps completed in order, each strictly after the
    /// previous one, all within D of the first (an A in W); 0 without one. For each A, step k is
    /// reached at the earliest time of its events after the time step k - 1 was reached (an array
    /// per step, mapped from the previous one; never reached is the largest Int64), and the steps
    /// reached within D are counted; taking the earliest next step is optimal, as in the engine. The
    /// steps' times are gathered outside the lambdas (``bound(_:_:)``).
    func funnel(_ sequence: EventSequence, _ e: TypedExpr) throws(Unsupported) -> String {
        let never = SQL.integer(Int64.max)
        var arrays = [("funnel_step0", try rows(sequence.steps[0], sequence.window, e).times)]
        var reached: [String] = []
        var previous = "funnel_step0"
        for (index, step) in sequence.steps.dropFirst().enumerated() {
            let times = "funnel_step\(index + 1)"
            arrays.append((times, "arraySort(\(try rows(step, .allTime, e).times))"))
            previous =
                "arrayMap(p -> if(arrayExists(t -> t > p, \(times)), arrayFirst(t -> t > p, \(times)), \(never)), \(previous))"
            reached.append(previous)
        }
        let names = reached.indices.map { "r\($0)" }
        let counted = names.map { "(\($0) != \(never) AND \($0) - a <= \(sequence.within))" }
        let steps =
            "arrayMap((\((["a"] + names).joined(separator: ", "))) -> 1 + \(counted.joined(separator: " + ")), "
            + "\((["funnel_step0"] + reached).joined(separator: ", ")))"
        return "toFloat64(arrayReduce('max', \(Self.bound(steps, arrays))))"
    }

    /// `body` with each name bound to an aggregate (an array of the profile's times), the aggregates
    /// written outside every lambda, as one-element arrays: `arrayMap((x, y) -> body, [X], [Y])[1]`.
    /// ClickHouse 18.16 reads only the columns named outside lambdas: an aggregate inside one that
    /// alone names a column (a second step's event name after a first step of `any`) fails there with
    /// `Unknown identifier: name`.
    static func bound(_ body: String, _ arrays: [(name: String, value: String)]) -> String {
        let names = arrays.map(\.name)
        let parameters = names.count == 1 ? names[0] : "(\(names.joined(separator: ", ")))"
        return "arrayMap(\(parameters) -> \(body), \(arrays.map { "[\($0.value)]" }.joined(separator: ", ")))[1]"
    }

    /// The condition on a row that it carries a number in a field, and that number.
    private func numeric(_ field: Field, _ e: TypedExpr) throws(Unsupported) -> (isNumber: String, number: String) {
        guard case .property(let path) = field else {
            throw Unsupported(message: "a sum or average of \(field) is not supported on ClickHouse", range: e.range)
        }
        let key = SQL.string(path.joined(separator: Row.pathSeparator))
        return ("types[indexOf(keys, \(key))] = \(Row.TypeCode.number)", "nums[indexOf(keys, \(key))]")
    }

    /// A field's value as its type code, number and string, which tell values apart as the engine
    /// does (-0 is 0, arrays and objects compare by their canonical JSON), and the condition on a row
    /// that it carries the field (not absent, not null).
    func key(_ field: Field, _ e: TypedExpr) throws(Unsupported) -> (parts: [String], present: String?) {
        let (number, string) = ("toUInt8(\(Row.TypeCode.number))", "toUInt8(\(Row.TypeCode.string))")
        switch field {
        case .property(let path):
            let key = SQL.string(path.joined(separator: Row.pathSeparator))
            let type = "types[indexOf(keys, \(key))]"
            return (
                [type, "(nums[indexOf(keys, \(key))] + 0)", "strs[indexOf(keys, \(key))]"],
                "\(type) NOT IN (\(Row.TypeCode.absent), \(Row.TypeCode.null))"
            )
        case .event(.name):
            return ([string, "toFloat64(0)", "name"], nil)
        case .event(.hour):
            return ([number, "toFloat64(\(hour("time")))", "''"], nil)
        case .event(.weekday):
            return ([string, "toFloat64(0)", weekday("time")], nil)
        case .event(.user):
            return ([string, "toFloat64(0)", scan.user], hasUser)
        }
    }

    /// The condition picking the rows of a selector's events within a fixed window ("0" for an empty one).
    func filter(_ selector: EventSelector, _ window: Window, _ e: TypedExpr) throws(Unsupported) -> String {
        let rows = try self.rows(selector, window, e)
        guard rows.anchored == nil else {
            throw Unsupported(message: "an anchored window is not supported here on ClickHouse yet", range: e.range)
        }
        return rows.filter
    }

    /// The rows of a selector's events within a window.
    func rows(_ selector: EventSelector, _ window: Window, _ e: TypedExpr) throws(Unsupported) -> Rows {
        var parts = [Self.eventFilter]
        if let names = selector.names {
            parts.append(
                names.count == 1
                    ? "name = \(SQL.string(names[0]))" : "name IN (\(names.map(SQL.string).joined(separator: ", ")))")
        }
        let condition = try selector.condition.map { (c) throws(Unsupported) in try bool(c, .event) }
        var anchored: String?
        switch window {
        case .first(let d, let anchor):
            anchored = try anchorCondition(anchor, from: 0, to: d, e)
        case .relative(let from, let to, let anchor):
            anchored = try anchorCondition(anchor, from: from, to: to, e)
        default:
            guard let range = try bounds(window, e) else { return Rows(filter: "0") }
            if let low = range.low { parts.append("time >= \(low)") }
            if range.high < now { parts.append("time <= \(range.high)") }
        }
        if let condition { parts.append(condition) }
        return Rows(filter: "(" + parts.joined(separator: " AND ") + ")", anchored: anchored)
    }

    /// The condition on an element `x` of gathered rows that its time `x.1` is within `[a + from, a + to)`
    /// of the anchor `a`: false when there is no anchor. (Times are at or before now, as the scan reads.)
    private func anchorCondition(
        _ anchor: WindowAnchor, from: Int64, to: Int64, _ e: TypedExpr
    ) throws(Unsupported) -> String {
        let rows: String
        switch anchor {
        case .firstSeen: rows = Self.eventFilter
        case .firstEvent(let selector): rows = try filter(selector, .allTime, e)
        }
        let (exists, time) = ("(countIf(\(rows)) > 0)", "minIf(time, \(rows))")
        return "(\(exists) AND x.1 - \(time) >= \(from) AND x.1 - \(time) < \(to))"
    }

    /// The closed range of event times a fixed window covers, clipped at now: nil when it is empty, a
    /// nil low end when it reaches back to the first event (LANGUAGE.md §5).
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
        case .period:
            guard let period else {
                throw Unsupported(message: "a period window outside streak or count_periods", range: e.range)
            }
            return range(period.lowerBound, period.upperBound)
        case .first, .relative:
            throw Unsupported(
                message: "windows anchored at first_seen or an event are not supported here on ClickHouse yet",
                range: e.range)
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
