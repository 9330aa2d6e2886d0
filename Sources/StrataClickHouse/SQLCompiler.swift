import StrataCore
import StrataEngine
import StrataLanguage

/// Compiles a checked segment to one ClickHouse query: a scan of the messages at or before the
/// evaluation instant, grouped by profile (user or account), whose HAVING clause is the segment's
/// condition over `-If` aggregates. Windows are resolved to millisecond literals from the instant and
/// the workspace time zone, so the SQL never reads the server's clock.
///
/// Values follow the language's rules (LANGUAGE.md §3): a missing value is SQL NULL, arithmetic on it
/// stays NULL, a comparison with it is false (`ifNull(..., 0)`), and conditions are never NULL. Values
/// whose type is known only at run time (traits, event properties) carry their type code beside them
/// (``Row/TypeCode``), so that a comparison between different types is false as in the engine.
///
/// What the compiler cannot translate exactly it refuses with ``Unsupported``, naming the construct
/// and where it is written; docs/clickhouse.md lists the subset.
public struct SQLCompiler: Sendable {
    /// The checked definitions (segment and computed-trait references are compiled inline).
    public let definitions: Definitions
    /// The evaluation instant, in milliseconds.
    public let now: Int64
    /// The workspace time zone.
    public let zone: Zone
    /// The earliest time of a message at or before now, in milliseconds: how far back `streak` counts
    /// periods and the zone's offsets are tabulated.
    public let earliest: Int64
    /// Inside `streak` / `count_periods`: the period whose condition is compiled.
    var period: ClosedRange<Int64>?
    /// The zone's UTC offsets from ``earliest`` to now.
    let offsets: Offsets
    /// Where the scan reads (a population pass of `percentile` scans again).
    var scan = Scan(table: Schema.table, user: "node", account: "''")

    /// A zone's UTC offset at an instant and the later instants from which it changes.
    struct Offsets {
        /// The offset at the first instant, in milliseconds.
        var initial: Int64
        /// Each change: the instant from which `offset` is in force.
        var changes: [(at: Int64, offset: Int64)]
    }

    /// A compiler for an instant, over messages from `earliest` on.
    public init(definitions: Definitions, now: Int64, zone: Zone, earliest: Int64) {
        self.definitions = definitions
        self.now = now
        self.zone = zone
        self.earliest = min(earliest, now)
        offsets = Self.zoneOffsets(zone, from: self.earliest, through: now)
    }

    /// A construct outside the subset, with where it is written.
    public struct Unsupported: Error, Sendable {
        /// What is not supported, for a person.
        public var message: String
        /// Where the construct is written.
        public var range: SourceRange
    }

    /// A compiled value. Numbers, timestamps and durations (milliseconds) are Nullable(Float64)
    /// expressions, strings Nullable(String), conditions UInt8 (never NULL); a dynamic value is its
    /// type code with its number and string parts.
    enum Value {
        case number(String)
        case string(String)
        case bool(String)
        case dynamic(type: String, number: String, string: String)
    }

    /// Where a value is computed: per profile (aggregates), or per event inside a `where` condition.
    enum Scope {
        case profile
        case event
    }

    /// The query listing the ids of a segment's members (users or accounts), sorted by bytes. `user` is
    /// the SQL expression of a row's user profile id as of the instant (``IdentityMap``), `account` that
    /// of its user's account (``AccountMap``).
    ///
    /// With `traits`, each id is followed by what `strata members --format csv|jsonl` lists: the number
    /// of events, the times of the first and last (0 without events), then each trait's type code,
    /// number and string (``Row``).
    public func membersQuery(
        _ segment: SegmentDefinition, table: String, user: String, account: String, traits: [[String]]? = nil
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: segment.of)
        var columns: [String] = []
        if let traits {
            let events = Rows(filter: Self.eventFilter)
            columns = [events.count, events.aggregate("min", ["time"]), events.aggregate("max", ["time"])]
            for path in traits {
                let (type, number, string) = try compiler.trait(path, segment.condition.range)
                columns += [type, number, string]
            }
        }
        return compiler.grouped(columns, having: try compiler.condition(of: segment)) + " ORDER BY profile"
    }

    /// The SQL condition of a segment on the profiles of its kind, or why it cannot be had.
    func condition(of segment: SegmentDefinition) throws(Unsupported) -> String {
        try over(segment.of).bool(segment.condition, .profile)
    }

    /// The condition of a segment referenced in the scan's kind of profile (`segment("x")`, `among:`).
    func reference(_ name: String, _ e: TypedExpr) throws(Unsupported) -> String {
        guard let segment = definitions.segment(named: name) else {
            throw Unsupported(message: "segment(\"\(name)\") is not defined", range: e.range)
        }
        guard segment.of == scan.kind else {
            throw Unsupported(
                message:
                    "segment(\"\(name)\") is a segment of \(segment.of.rawValue), read here for \(scan.kind.rawValue)",
                range: e.range)
        }
        do throws(Unsupported) {
            return try condition(of: segment)
        } catch {
            throw Unsupported(
                message: "segment(\"\(name)\") cannot be evaluated on ClickHouse: \(error.message)", range: e.range)
        }
    }

    // MARK: Expressions

    /// A condition: UInt8, never NULL.
    func bool(_ e: TypedExpr, _ scope: Scope) throws(Unsupported) -> String {
        switch try value(e, scope) {
        case .bool(let sql): return sql
        case .dynamic(let type, let number, _): return "(\(type) = \(Row.TypeCode.bool) AND \(number) = 1)"
        case .number, .string:
            throw Unsupported(message: "a \(e.type) used as a condition", range: e.range)
        }
    }

    func value(_ e: TypedExpr, _ scope: Scope) throws(Unsupported) -> Value {
        switch e.node {
        case .literal(let literal):
            return self.literal(literal)
        case .now:
            return .number(SQL.integer(now))
        case .firstSeen, .lastSeen:
            try requireProfile(scope, e, "first_seen / last_seen")
            let events = Rows(filter: Self.eventFilter)
            return .number(events.ifAny(events.aggregate(e.node == .firstSeen ? "min" : "max", ["time"])))
        case .property(let path):
            try requireEvent(scope, e)
            let key = SQL.string(path.joined(separator: Row.pathSeparator))
            return .dynamic(
                type: "types[indexOf(keys, \(key))]", number: "nums[indexOf(keys, \(key))]",
                string: "strs[indexOf(keys, \(key))]")
        case .eventField(let field):
            try requireEvent(scope, e)
            return try eventField(field, e)
        case .trait(let path):
            try requireProfile(scope, e, "trait.\(path.joined(separator: "."))")
            let (type, number, string) = try trait(path, e.range)
            return .dynamic(type: type, number: number, string: string)
        case .segment(let name):
            try requireProfile(scope, e, "segment(\"\(name)\")")
            return .bool(try reference(name, e))
        case .computed(let name):
            try requireProfile(scope, e, "computed.\(name)")
            guard let trait = definitions.computedTraits.first(where: { $0.name == name }) else {
                throw Unsupported(message: "computed.\(name) is not defined", range: e.range)
            }
            do throws(Unsupported) {
                return try value(trait.expression, scope)
            } catch {
                throw Unsupported(
                    message: "computed.\(name) cannot be evaluated on ClickHouse: \(error.message)", range: e.range)
            }
        case .negate(let a):
            return .number("(-\(try number(a, scope)))")
        case .not(let a):
            return .bool("(NOT \(try bool(a, scope)))")
        case .and(let a, let b):
            return .bool("(\(try bool(a, scope)) AND \(try bool(b, scope)))")
        case .or(let a, let b):
            return .bool("(\(try bool(a, scope)) OR \(try bool(b, scope)))")
        case .arithmetic(let op, let a, let b):
            return try arithmetic(op, a, b, e, scope)
        case .comparison(let op, let a, let b):
            try comparable(a, b, e)
            return .bool(try comparison(op, try value(a, scope), try value(b, scope), e))
        case .between(let x, let low, let high):
            try comparable(x, low, e)
            try comparable(x, high, e)
            let value = try self.value(x, scope)
            let lower = try comparison(.lessEqual, try self.value(low, scope), value, e)
            let upper = try comparison(.lessEqual, value, try self.value(high, scope), e)
            return .bool("(\(lower) AND \(upper))")
        case .inList(let x, let items):
            let value = try self.value(x, scope)
            var alternatives: [String] = []
            for item in items { try comparable(x, item, e) }
            for item in items { alternatives.append(try comparison(.equal, value, try self.value(item, scope), e)) }
            return .bool(alternatives.isEmpty ? "0" : "(\(alternatives.joined(separator: " OR ")))")
        case .contains(let x, let y):
            if x.type == .string, y.type == .string {
                return .bool("ifNull(position(\(try string(x, scope)), \(try string(y, scope))) > 0, 0)")
            }
            guard case .literal(.string(let needle)) = y.node,
                case .dynamic(let type, _, let text) = try value(x, scope)
            else {
                throw Unsupported(
                    message: x.type == .dynamic
                        ? "`contains` on a property or trait is supported on ClickHouse only with a string literal"
                        : "`contains` on \(x.type) is not supported on ClickHouse yet",
                    range: e.range)
            }
            return .bool(Self.contains(type: type, text: text, needle))
        case .aggregate(let aggregate):
            try requireProfile(scope, e, aggregate.function.name)
            return try self.aggregate(aggregate, e)
        case .share(let selector, let of, let window):
            try requireProfile(scope, e, "share")
            let part = "toFloat64(\(try rows(selector, window, e).count))"
            let whole = "toFloat64(\(try rows(of, window, e).count))"
            return .number("if(\(whole) = 0, \(Self.null), \(part) / \(whole))")
        case .daysBetween(let a, let b):
            return .number("((\(try number(b, scope)) - \(try number(a, scope))) / \(Double(Instant.day)))")
        case .math(let function, let arguments):
            var parts: [String] = []
            for argument in arguments { parts.append(try number(argument, scope)) }
            switch function {
            case .least: return .number(Self.strict("least", parts))
            case .greatest: return .number(Self.strict("greatest", parts))
            case .abs: return .number("abs(\(parts[0]))")
            case .round: return .number("round(\(parts[0]))")
            case .floor: return .number("floor(\(parts[0]))")
            }
        case .coalesce(let arguments):
            guard let type = arguments.first?.type, [.number, .timestamp, .duration, .string].contains(type),
                arguments.allSatisfy({ $0.type == type })
            else {
                throw Unsupported(
                    message: "coalesce over values of mixed or dynamic types is not supported on ClickHouse yet",
                    range: e.range)
            }
            var parts: [String] = []
            for argument in arguments {
                parts.append(type == .string ? try string(argument, scope) : try number(argument, scope))
            }
            let sql = "coalesce(\(parts.joined(separator: ", ")))"
            return type == .string ? .string(sql) : .number(sql)
        case .exists(let a):
            switch try value(a, scope) {
            case .bool: return .bool("1")
            case .number(let sql), .string(let sql): return .bool("isNotNull(\(sql))")
            case .dynamic(let type, _, _):
                return .bool("(\(type) NOT IN (\(Row.TypeCode.absent), \(Row.TypeCode.null)))")
            }
        case .account(let inner):
            try requireProfile(scope, e, "account.")
            return try account(inner, e)
        case .countUsers(let inner):
            try requireProfile(scope, e, "count_users")
            return .number(try countUsers(inner, e))
        case .score(let name):
            try requireProfile(scope, e, "score.\(name)")
            return .number(try score(name, e))
        case .stage(let name):
            try requireProfile(scope, e, "stage.\(name)")
            return .string(try stage(name, e))
        case .rfm(let field):
            throw Unsupported(message: "rfm.\(field) is not supported on ClickHouse yet", range: e.range)
        case .sequence(let sequence):
            try requireProfile(scope, e, sequence.kind.rawValue)
            if sequence.kind == .funnel { return .number(try funnel(sequence, e)) }
            return .bool(try self.sequence(sequence, e))
        case .streak(let unit, let condition):
            try requireProfile(scope, e, "streak")
            return .number(try streak(unit, condition, e))
        case .countPeriods(let unit, let condition, let periods):
            try requireProfile(scope, e, "count_periods")
            return .number(try countPeriods(unit, condition, periods, e))
        case .percentile(let inner, let among):
            try requireProfile(scope, e, "percentile")
            return .number(try percentile(inner, among: among, e))
        }
    }

    /// A number, timestamp or duration: Nullable(Float64); a dynamic value gives its number when it is one.
    func number(_ e: TypedExpr, _ scope: Scope) throws(Unsupported) -> String {
        switch try value(e, scope) {
        case .number(let sql): return sql
        case .dynamic(let type, let number, _):
            return "if(\(type) = \(Row.TypeCode.number), toNullable(\(number)), \(Self.null))"
        case .bool, .string:
            throw Unsupported(message: "a \(e.type) used as a number", range: e.range)
        }
    }

    /// A string: Nullable(String); a dynamic value gives its string when it is one.
    func string(_ e: TypedExpr, _ scope: Scope) throws(Unsupported) -> String {
        switch try value(e, scope) {
        case .string(let sql): return sql
        case .dynamic(let type, _, let string):
            return "if(\(type) = \(Row.TypeCode.string), toNullable(\(string)), CAST(NULL AS Nullable(String)))"
        case .bool, .number:
            throw Unsupported(message: "a \(e.type) used as a string", range: e.range)
        }
    }

    private func literal(_ literal: Literal) -> Value {
        switch literal {
        case .number(let n): .number(SQL.number(n))
        case .string(let s): .string(SQL.string(s))
        case .bool(let b): .bool(b ? "1" : "0")
        case .duration(let ms): .number(SQL.integer(ms))
        case .time(let point): .number(SQL.integer(calendar.instant(point)))
        }
    }

    /// `trait.x` as its type code, number and string: latest-wins over the identify calls of a user, or
    /// the group calls of an account.
    private func trait(
        _ path: [String], _ range: SourceRange
    ) throws(Unsupported) -> (type: String, number: String, string: String) {
        guard path.count == 1 else {
            throw Unsupported(
                message:
                    "a nested trait path (trait.\(path.joined(separator: "."))) is not supported on ClickHouse yet",
                range: range)
        }
        let calls = scan.kind == .users ? Message.Kind.identify : .group
        let key = SQL.string(path[0])
        let latest = "(time, received_at, seq), kind = \(calls.code) AND has(keys, \(key))"
        return (
            "argMaxIf(types[indexOf(keys, \(key))], \(latest))", "argMaxIf(nums[indexOf(keys, \(key))], \(latest))",
            "argMaxIf(strs[indexOf(keys, \(key))], \(latest))"
        )
    }

    private func eventField(_ field: EventField, _ e: TypedExpr) throws(Unsupported) -> Value {
        switch field {
        case .name:
            return .string("toNullable(name)")
        case .user:
            return .string(userOfRow)
        case .hour:
            return .number("toFloat64(\(hour("time")))")
        case .weekday:
            return .string("toNullable(\(weekday("time")))")
        }
    }

    /// Arithmetic the engine computes exactly in Float64 or whole milliseconds: numbers with numbers,
    /// timestamps and durations added and subtracted, a duration divided by a duration.
    private func arithmetic(
        _ op: ArithmeticOperator, _ a: TypedExpr, _ b: TypedExpr, _ e: TypedExpr, _ scope: Scope
    ) throws(Unsupported) -> Value {
        let numeric: Set<ValueType> = [.number, .dynamic]
        let exact =
            (numeric.contains(a.type) && numeric.contains(b.type))
            || ((op == .add || op == .subtract) && a.type != .number && b.type != .number)
            || (op == .divide && a.type == .duration && b.type == .duration)
        guard exact else {
            throw Unsupported(
                message: "\(a.type) \(op.rawValue) \(b.type) is not supported on ClickHouse yet (the engine rounds "
                    + "durations to whole milliseconds)",
                range: e.range)
        }
        let (x, y) = (try number(a, scope), try number(b, scope))
        if op == .divide { return .number("if(ifNull(\(y) = 0, 0), \(Self.null), \(x) / \(y))") }
        return .number("(\(x) \(op.rawValue) \(y))")
    }

    /// `a op b`: false (0) when either side is missing or their run-time types differ.
    func comparison(_ op: ComparisonOperator, _ a: Value, _ b: Value, _ e: TypedExpr) throws(Unsupported) -> String {
        let sqlOp = op == .equal ? "=" : op.rawValue
        switch (a, b) {
        case (.number(let x), .number(let y)), (.string(let x), .string(let y)):
            return "ifNull(\(x) \(sqlOp) \(y), 0)"
        case (.bool(let x), .bool(let y)):
            guard op == .equal || op == .notEqual else { return "0" }
            return "(\(x) \(sqlOp) \(y))"
        case (.dynamic(let type, let number, let string), let other),
            (let other, .dynamic(let type, let number, let string)):
            let flipped: Bool
            if case .dynamic = a { flipped = false } else { flipped = true }
            func ordered(_ x: String, _ y: String) -> String { flipped ? "\(y) \(sqlOp) \(x)" : "\(x) \(sqlOp) \(y)" }
            switch other {
            case .number(let y):
                return "(\(type) = \(Row.TypeCode.number) AND ifNull(\(ordered(number, y)), 0))"
            case .string(let y):
                return "(\(type) = \(Row.TypeCode.string) AND ifNull(\(ordered(string, y)), 0))"
            case .bool(let y):
                guard op == .equal || op == .notEqual else { return "0" }
                return "(\(type) = \(Row.TypeCode.bool) AND \(ordered(number, y)))"
            case .dynamic(let type2, let number2, let string2):
                let boolsOK =
                    op == .equal || op == .notEqual
                    ? " OR (\(type) = \(Row.TypeCode.bool) AND \(number) \(sqlOp) \(number2))" : ""
                return """
                    (\(type) = \(type2) AND ((\(type) = \(Row.TypeCode.number) AND \(number) \(sqlOp) \(number2)) \
                    OR (\(type) = \(Row.TypeCode.string) AND \(string) \(sqlOp) \(string2))\(boolsOK)))
                    """
            }
        default:
            throw Unsupported(message: "comparing values of different types", range: e.range)
        }
    }

    /// Refuses comparing a trait or property with a timestamp or duration: the engine compares a
    /// stored JSON value with a time by rules of its own that the SQL does not reproduce yet.
    private func comparable(_ a: TypedExpr, _ b: TypedExpr, _ e: TypedExpr) throws(Unsupported) {
        let times: Set<ValueType> = [.timestamp, .duration]
        if (a.type == .dynamic && times.contains(b.type)) || (b.type == .dynamic && times.contains(a.type)) {
            throw Unsupported(
                message:
                    "comparing a trait or property with a \(a.type == .dynamic ? b.type : a.type) is not supported "
                    + "on ClickHouse yet",
                range: e.range)
        }
    }

    private func requireProfile(_ scope: Scope, _ e: TypedExpr, _ what: String) throws(Unsupported) {
        guard scope == .profile else {
            throw Unsupported(
                message: "\(what) inside an event's `where` is not supported on ClickHouse yet", range: e.range)
        }
    }

    private func requireEvent(_ scope: Scope, _ e: TypedExpr) throws(Unsupported) {
        guard scope == .event else {
            throw Unsupported(message: "an event property outside an event's `where`", range: e.range)
        }
    }

    var calendar: LocalCalendar { LocalCalendar(zone: zone, from: now, through: now) }

    /// `x contains "needle"` for a stored value of type `type` and text `text`: a string holding the
    /// needle, or an array (its canonical JSON) with the needle as an element. The array's JSON is cut
    /// into string tokens and brackets (`extractAll`); a string token is an element when only the
    /// array's own bracket is open around it.
    static func contains(type: String, text: String, _ needle: String) -> String {
        let tokens = "extractAll(\(text), \(SQL.string(#""(?:[^"\\]|\\.)*"|[\[\]{}]"#)))"
        let depths = "arrayCumSum(arrayMap(k -> multiIf(k IN ('[', '{'), 1, k IN (']', '}'), -1, 0), \(tokens)))"
        let element = SQL.string(JSONWriter.string(.string(needle)))
        return """
            multiIf(\(type) = \(Row.TypeCode.string), position(\(text), \(SQL.string(needle))) > 0, \
            \(type) = \(Row.TypeCode.other) AND startsWith(\(text), '['), \
            arrayExists((k, d) -> d = 1 AND k = \(element), \(tokens), \(depths)), 0)
            """
    }

    /// A NULL of Float64.
    static let null = "CAST(NULL AS Nullable(Float64))"

    /// `function(parts...)`, missing when any part is, as in the language: ClickHouse's `least` and
    /// `greatest` skip NULL arguments since 24 (18.16 answered NULL), so the test is written out.
    static func strict(_ function: String, _ parts: [String]) -> String {
        "if(\(parts.map { "isNull(\($0))" }.joined(separator: " OR ")), \(null), \(function)(\(parts.joined(separator: ", "))))"
    }

    /// A number clamped to [0, 1], missing when it is (``strict(_:_:)``).
    static func clamped(_ number: String) -> String {
        "if(isNull(\(number)), \(null), least(greatest(\(number), 0), 1))"
    }

    /// The rows that are events (track, page and screen calls).
    static let eventFilter =
        "kind IN (\(Message.Kind.track.code), \(Message.Kind.page.code), \(Message.Kind.screen.code))"
}
