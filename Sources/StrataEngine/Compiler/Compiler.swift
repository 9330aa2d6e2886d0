import StrataCore
import StrataLanguage

/// Turns a typed plan into closures, once per definition; the closures are then run per profile.
///
/// Closures capture only immutable data (timelines, masks, the results of the definitions they read),
/// so compiled code is shared by every worker thread; per-thread state lives in an ``Evaluator``.
struct Compiler {
    /// Where an expression is evaluated.
    struct Scope {
        /// The kind of profile.
        var kind: ProfileKind
        /// Inside an event `where`: property reads see the event being tested.
        var inWhere = false
        /// Inside the COND of `streak` / `count_periods`.
        var inPeriod = false
    }

    /// The engine that owns the population and the results of other definitions.
    let engine: Engine
    /// The file of the definition being compiled, for error messages.
    let file: String?
    /// Where the expression being compiled is evaluated.
    var scope: Scope

    var population: Population { engine.population }
    var timelines: Timelines { population.timelines(scope.kind) }
    var calendar: LocalCalendar { engine.calendar }
    var now: Int64 { engine.now }

    /// An error at an expression of the definition being compiled.
    func error(_ message: String, at expr: TypedExpr) -> EngineError {
        EngineError(message, file: file, location: expr.range.start)
    }

    /// A compiler for the same definition in another scope.
    func with(_ change: (inout Scope) -> Void) -> Compiler {
        var copy = self
        change(&copy.scope)
        return copy
    }

    /// Compiles an expression.
    func compile(_ expr: TypedExpr) throws(EngineError) -> Code {
        switch expr.node {
        case .literal(let literal):
            let value = self.value(of: literal)
            return { _ in value }
        case .now:
            let value = Value.time(now)
            return { _ in value }
        case .firstSeen:
            let timelines = self.timelines
            return { ev in timelines.firstSeen(ev.profile).map(Value.time) ?? .missing }
        case .lastSeen:
            let timelines = self.timelines
            return { ev in timelines.lastSeen(ev.profile).map(Value.time) ?? .missing }
        case .property, .eventField:
            guard scope.inWhere, let reader = eventReader(expr) else { return { _ in .missing } }
            let timelines = self.timelines
            return { ev in reader.value(timelines, ev.event, ev) }
        case .trait(let path):
            let timelines = self.timelines
            guard let slot = timelines.traitSlot(path) else { return { _ in .missing } }
            let vocabulary = population.vocabulary
            return { ev in
                let (tag, payload) = timelines.trait(slot, of: ev.profile)
                return vocabulary.decode(tag: tag, payload: payload)
            }
        case .account(let inner):
            return try account(inner, expr)
        case .countUsers(let inner):
            return try countUsers(inner, expr)
        case .computed(let name):
            return try reference(DefinitionID(.computed, name), expr)
        case .score(let name):
            return try reference(DefinitionID(.score, name), expr)
        case .stage(let name):
            return try reference(DefinitionID(.stage, name), expr)
        case .rfm(let field):
            guard !scope.inWhere else { throw error("rfm.\(field.rawValue) cannot be read inside `where`", at: expr) }
            let result = try engine.rfm(kind: scope.kind, from: file, at: expr.range.start)
            return { ev in result.value(field, of: ev.profile) }
        case .segment(let name):
            let members = try engine.membership(of: name, kind: scope.kind, from: file, at: expr.range.start)
            return { ev in .bool(members[ev.profile]) }
        case .negate(let a):
            let code = try compile(a)
            return { ev in
                switch code(ev) {
                case .number(let n): .number(-n)
                case .duration(let d): d == Int64.min ? .missing : .duration(-d)
                default: .missing
                }
            }
        case .not(let a):
            let code = try compile(a)
            return { ev in .bool(!code(ev).isTrue) }
        case .and(let a, let b):
            let (x, y) = (try compile(a), try compile(b))
            return { ev in .bool(x(ev).isTrue && y(ev).isTrue) }
        case .or(let a, let b):
            let (x, y) = (try compile(a), try compile(b))
            return { ev in .bool(x(ev).isTrue || y(ev).isTrue) }
        case .arithmetic(let op, let a, let b):
            let (x, y) = (try compile(a), try compile(b))
            return { ev in Compiler.arithmetic(op, x(ev), y(ev)) }
        case .comparison(let op, let a, let b):
            let (x, y) = (try compile(a), try compile(b))
            return { ev in .bool(Compiler.compare(op, x(ev), y(ev))) }
        case .between(let x, let low, let high):
            let (v, l, h) = (try compile(x), try compile(low), try compile(high))
            return { ev in
                let value = v(ev)
                guard let a = Value.order(l(ev), value), a <= 0, let b = Value.order(value, h(ev)), b <= 0 else {
                    return .bool(false)
                }
                return .bool(true)
            }
        case .inList(let x, let items):
            let value = try compile(x)
            var codes: [Code] = []
            for item in items { codes.append(try compile(item)) }
            let list = codes
            return { ev in
                let v = value(ev)
                if v.isMissing { return .bool(false) }
                for item in list where Value.equal(v, item(ev)) { return .bool(true) }
                return .bool(false)
            }
        case .contains(let a, let b):
            let (x, y) = (try compile(a), try compile(b))
            return { ev in .bool(Compiler.contains(x(ev), y(ev))) }
        case .aggregate(let aggregate):
            return try self.aggregate(aggregate)
        case .share(let selector, let total, let window):
            return try share(selector, of: total, window: window)
        case .sequence(let sequence):
            return try self.sequence(sequence)
        case .streak(let unit, let condition):
            return try streak(unit, condition, expr)
        case .countPeriods(let unit, let condition, let periods):
            return try countPeriods(unit, condition, periods: periods, expr)
        case .percentile(let inner, let among):
            return try percentile(inner, among: among, expr)
        case .daysBetween(let a, let b):
            let (x, y) = (try compile(a), try compile(b))
            return { ev in
                guard case .time(let t1) = x(ev), case .time(let t2) = y(ev) else { return .missing }
                return .number((Double(t2) - Double(t1)) / Double(Instant.day))
            }
        case .math(let function, let arguments):
            var codes: [Code] = []
            for argument in arguments { codes.append(try compile(argument)) }
            let list = codes
            return { ev in Compiler.math(function, list.map { $0(ev) }) }
        case .coalesce(let arguments):
            var codes: [Code] = []
            for argument in arguments { codes.append(try compile(argument)) }
            let list = codes
            return { ev in
                for code in list {
                    let v = code(ev)
                    if !v.isMissing { return v }
                }
                return .missing
            }
        case .exists(let a):
            let code = try compile(a)
            return { ev in .bool(!code(ev).isMissing) }
        }
    }

    /// The run-time value of a literal (dates are local midnight).
    func value(of literal: Literal) -> Value {
        switch literal {
        case .number(let n): .number(n)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .duration(let d): .duration(d)
        case .time(let point): .time(calendar.instant(point))
        }
    }

    // MARK: References

    /// `score.x`, `stage.x`, `computed.x`: the column of the definition's values for this kind.
    func reference(_ id: DefinitionID, _ expr: TypedExpr) throws(EngineError) -> Code {
        guard !scope.inWhere else { throw error("\(id) cannot be read inside `where`", at: expr) }
        let values = try engine.values(of: id, kind: scope.kind, from: file, at: expr.range.start)
        return { ev in values[ev.profile] }
    }

    /// `account.EXPR`: EXPR for the user's account.
    func account(_ inner: TypedExpr, _ expr: TypedExpr) throws(EngineError) -> Code {
        guard scope.kind == .users, !scope.inWhere else {
            throw error("`account.` is only valid in a definition of users", at: expr)
        }
        let code = try with { $0.kind = .accounts }.compile(inner)
        let accountOfUser = population.accountOfUser
        let none: Value = inner.type == .bool ? .bool(false) : .missing
        return { ev in
            let account = accountOfUser[ev.profile]
            if account < 0 { return none }
            let user = ev.profile
            ev.profile = Int(account)
            let value = code(ev)
            ev.profile = user
            return value
        }
    }

    /// `count_users(COND)`: the account's users for whom COND holds.
    func countUsers(_ inner: TypedExpr, _ expr: TypedExpr) throws(EngineError) -> Code {
        guard scope.kind == .accounts, !scope.inWhere else {
            throw error("`count_users` is only valid in a definition of accounts", at: expr)
        }
        let code = try with { $0.kind = .users }.compile(inner)
        let population = self.population
        return { ev in
            let account = ev.profile
            var count = 0
            for user in population.users(ofAccount: account) {
                ev.profile = Int(user)
                if code(ev).isTrue { count += 1 }
            }
            ev.profile = account
            return .number(Double(count))
        }
    }

    // MARK: Operators

    /// `a op b` (LANGUAGE.md §3): numbers as usual, timestamp ± duration, timestamp - timestamp,
    /// duration arithmetic; missing on a missing or mismatched operand, on division by zero and on overflow.
    static func arithmetic(_ op: ArithmeticOperator, _ a: Value, _ b: Value) -> Value {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            switch op {
            case .add: return .number(x + y)
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            case .divide: return y == 0 ? .missing : .number(x / y)
            }
        case (.time(let t), .duration(let d)):
            switch op {
            case .add: return checked(t.addingReportingOverflow(d)).map(Value.time) ?? .missing
            case .subtract: return checked(t.subtractingReportingOverflow(d)).map(Value.time) ?? .missing
            default: return .missing
            }
        case (.duration(let d), .time(let t)):
            return op == .add ? (checked(t.addingReportingOverflow(d)).map(Value.time) ?? .missing) : .missing
        case (.time(let x), .time(let y)):
            return op == .subtract
                ? (checked(x.subtractingReportingOverflow(y)).map(Value.duration) ?? .missing) : .missing
        case (.duration(let x), .duration(let y)):
            switch op {
            case .add: return checked(x.addingReportingOverflow(y)).map(Value.duration) ?? .missing
            case .subtract: return checked(x.subtractingReportingOverflow(y)).map(Value.duration) ?? .missing
            case .divide: return y == 0 ? .missing : .number(Double(x) / Double(y))
            case .multiply: return .missing
            }
        case (.duration(let d), .number(let n)):
            switch op {
            case .multiply: return milliseconds(Double(d) * n).map(Value.duration) ?? .missing
            case .divide: return n == 0 ? .missing : (milliseconds(Double(d) / n).map(Value.duration) ?? .missing)
            default: return .missing
            }
        case (.number(let n), .duration(let d)):
            return op == .multiply ? (milliseconds(Double(d) * n).map(Value.duration) ?? .missing) : .missing
        default:
            return .missing
        }
    }

    private static func checked(_ result: (partialValue: Int64, overflow: Bool)) -> Int64? {
        result.overflow ? nil : result.partialValue
    }

    private static func milliseconds(_ x: Double) -> Int64? {
        let rounded = x.rounded()
        guard rounded.isFinite, abs(rounded) < 9.0e18 else { return nil }
        return Int64(rounded)
    }

    /// `a op b` for comparisons: false when either side is missing or the types differ; bools only
    /// compare with `=` and `!=`.
    static func compare(_ op: ComparisonOperator, _ a: Value, _ b: Value) -> Bool {
        switch op {
        case .equal:
            return Value.equal(a, b)
        case .notEqual:
            switch (a, b) {
            case (.number, .number), (.string, .string), (.bool, .bool), (.time, .time), (.duration, .duration),
                (.json, .json):
                return !Value.equal(a, b)
            default:
                return false
            }
        case .less:
            return (Value.order(a, b) ?? 0) < 0
        case .lessEqual:
            guard let c = Value.order(a, b) else { return false }
            return c <= 0
        case .greater:
            return (Value.order(a, b) ?? 0) > 0
        case .greaterEqual:
            guard let c = Value.order(a, b) else { return false }
            return c >= 0
        }
    }

    /// `x contains y`: a substring (by bytes) of a string, or an element of an array.
    static func contains(_ x: Value, _ y: Value) -> Bool {
        switch (x, y) {
        case (.string(let s), .string(let t)):
            return Value.containsBytes(s, t)
        case (.json(.array(let items)), _):
            if y.isMissing { return false }
            return items.contains { Value.equal(Value($0), y) }
        default:
            return false
        }
    }

    /// `least`, `greatest`, `abs`, `round`, `floor`; missing when an argument is missing or the
    /// types do not fit.
    static func math(_ function: MathFunction, _ values: [Value]) -> Value {
        if values.contains(where: \.isMissing) { return .missing }
        switch function {
        case .least, .greatest:
            guard var best = values.first else { return .missing }
            for value in values.dropFirst() {
                guard let c = Value.order(value, best) else { return .missing }
                if function == .least ? c < 0 : c > 0 { best = value }
            }
            if case .string = best { return .missing }
            return best
        case .abs:
            guard let n = values.first?.number else { return .missing }
            return .number(Swift.abs(n))
        case .floor:
            guard let n = values.first?.number else { return .missing }
            return .number(n.rounded(.down))
        case .round:
            guard let n = values.first?.number else { return .missing }
            guard values.count > 1 else { return .number(n.rounded(.toNearestOrAwayFromZero)) }
            guard let places = values[1].number, places.isFinite else { return .missing }
            let factor = scale(places: places)
            return .number((n * factor).rounded(.toNearestOrAwayFromZero) / factor)
        }
    }

    /// The factor `round(x, places)` scales by: 10^places, places truncated to -15...15.
    static func scale(places: Double) -> Double {
        pow10(Int(max(-15, min(15, places.rounded(.towardZero)))))
    }

    private static func pow10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<Swift.abs(n) { result *= 10 }
        return n < 0 ? 1 / result : result
    }
}
