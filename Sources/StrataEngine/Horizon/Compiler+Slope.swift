import StrataCore
import StrataLanguage

/// How fast a value moves with the evaluation instant while no message arrives: d value / d now, per
/// millisecond of `now` (timestamps and durations in ms per ms, numbers per ms). Zero for values that
/// only change in steps; nil when the value is not affine in now (a product or quotient of two
/// quantities that both move), which the horizon treats by re-checking every second.
typealias SlopeCode = @Sendable (Evaluator) -> Double?

extension Compiler {
    /// Compiles the slope of an expression at the current profile and instant.
    func slope(_ expr: TypedExpr) throws(EngineError) -> SlopeCode {
        let still: SlopeCode = { _ in 0 }
        switch expr.node {
        case .now:
            return { _ in 1 }
        case .literal, .firstSeen, .lastSeen, .property, .eventField, .trait, .rfm, .segment, .stage, .percentile,
            .not, .and, .or, .comparison, .between, .inList, .contains, .exists, .share, .sequence, .streak,
            .countPeriods, .countUsers:
            return still
        case .computed(let name):
            return try referencedSlope(DefinitionID(.computed, name), expr)
        case .score(let name):
            return try referencedSlope(DefinitionID(.score, name), expr)
        case .account(let inner):
            let code = try with { $0.kind = .accounts }.slope(inner)
            let accountOfUser = population.accountOfUser
            return { ev in
                let account = accountOfUser[ev.profile]
                if account < 0 { return 0 }
                let user = ev.profile
                ev.profile = Int(account)
                defer { ev.profile = user }
                return code(ev)
            }
        case .negate(let a):
            let s = try slope(a)
            return { ev in s(ev).map { -$0 } }
        case .arithmetic(let op, let a, let b):
            return try arithmeticSlope(op, a, b)
        case .aggregate(let aggregate):
            switch aggregate.function {
            case .daysSince, .daysSinceFirst:
                let value = try compile(expr)
                let perDay = 1 / Double(Instant.day)
                return { ev in value(ev).isMissing ? 0 : perDay }
            default:
                return still
            }
        case .daysBetween(let a, let b):
            let (x, y) = (try slope(a), try slope(b))
            let day = Double(Instant.day)
            return { ev in
                guard let p = x(ev), let q = y(ev) else { return nil }
                return (q - p) / day
            }
        case .math(let function, let arguments):
            return try mathSlope(function, arguments)
        case .coalesce(let arguments):
            var pairs: [(Code, SlopeCode)] = []
            for argument in arguments { pairs.append((try compile(argument), try slope(argument))) }
            let list = pairs
            return { ev in
                for (value, s) in list where !value(ev).isMissing { return s(ev) }
                return 0
            }
        }
    }

    /// Whether an expression's slope (``slope(_:)``) can be anything but zero for some profile: false
    /// when nothing in it moves with the clock, so that no crossing with it needs looking for.
    func movesWithTime(_ expr: TypedExpr) -> Bool {
        switch expr.node {
        case .now:
            return true
        case .literal, .firstSeen, .lastSeen, .property, .eventField, .trait, .rfm, .segment, .stage, .percentile,
            .not, .and, .or, .comparison, .between, .inList, .contains, .exists, .share, .sequence, .streak,
            .countPeriods, .countUsers:
            return false
        case .computed(let name):
            return engine.definitions.computedTraits.first { $0.name == name }.map { movesWithTime($0.expression) }
                ?? true
        case .score(let name):
            switch engine.definitions.score(named: name)?.model {
            case .weighted(let inputs)?:
                return inputs.contains { $0.normalize != .percentile && movesWithTime($0.expression) }
            case .logistic(let model)?:
                return model.features.contains { movesWithTime($0) }
            case nil:
                return true
            }
        case .account(let inner), .negate(let inner):
            return movesWithTime(inner)
        case .arithmetic(_, let a, let b), .daysBetween(let a, let b):
            return movesWithTime(a) || movesWithTime(b)
        case .aggregate(let aggregate):
            return aggregate.function == .daysSince || aggregate.function == .daysSinceFirst
        case .math(let function, let arguments):
            return function != .floor && function != .round && arguments.contains { movesWithTime($0) }
        case .coalesce(let arguments):
            return arguments.contains { movesWithTime($0) }
        }
    }

    /// The slope of a computed trait or score, read from the engine's per-profile column.
    private func referencedSlope(_ id: DefinitionID, _ expr: TypedExpr) throws(EngineError) -> SlopeCode {
        guard !scope.inWhere else { throw error("\(id) cannot be read inside `where`", at: expr) }
        let slopes = try engine.slopes(of: id, kind: scope.kind, from: file, at: expr.range.start)
        return { ev in slopes[ev.profile] }
    }

    private func arithmeticSlope(
        _ op: ArithmeticOperator, _ a: TypedExpr, _ b: TypedExpr
    ) throws(EngineError) -> SlopeCode {
        let (sa, sb) = (try slope(a), try slope(b))
        switch op {
        case .add:
            return { ev in
                guard let p = sa(ev), let q = sb(ev) else { return nil }
                return p + q
            }
        case .subtract:
            return { ev in
                guard let p = sa(ev), let q = sb(ev) else { return nil }
                return p - q
            }
        case .multiply, .divide:
            let (va, vb) = (try compile(a), try compile(b))
            let multiply = op == .multiply
            return { ev in
                guard let p = sa(ev), let q = sb(ev) else { return nil }
                if p == 0 && q == 0 { return 0 }
                guard let x = Compiler.magnitude(va(ev)), let y = Compiler.magnitude(vb(ev)) else { return 0 }
                if multiply {
                    // (x + pΔ)(y + qΔ) is affine only when one factor stands still.
                    if p != 0 && q != 0 { return nil }
                    return p * y + x * q
                }
                // (x + pΔ) / y is affine while y stands still; a moving divisor is not.
                if q != 0 { return nil }
                return y == 0 ? 0 : p / y
            }
        }
    }

    private func mathSlope(_ function: MathFunction, _ arguments: [TypedExpr]) throws(EngineError) -> SlopeCode {
        var values: [Code] = []
        var slopes: [SlopeCode] = []
        for argument in arguments {
            values.append(try compile(argument))
            slopes.append(try slope(argument))
        }
        let (codes, moves) = (values, slopes)
        switch function {
        case .floor, .round:
            return { _ in 0 }
        case .abs:
            return { ev in
                guard let x = Compiler.magnitude(codes[0](ev)), let s = moves[0](ev) else { return 0 }
                if x == 0 { return Swift.abs(s) }
                return x < 0 ? -s : s
            }
        case .least, .greatest:
            return { ev in
                let chosen = Compiler.math(function, codes.map { $0(ev) })
                guard let target = Compiler.magnitude(chosen) else { return 0 }
                // Among arguments at the chosen value, the one that stays chosen longest moves the result.
                var best: Double?
                for (value, s) in zip(codes, moves) where Compiler.magnitude(value(ev)) == target {
                    guard let rate = s(ev) else { return nil }
                    if let b = best {
                        best = function == .least ? Swift.min(b, rate) : Swift.max(b, rate)
                    } else {
                        best = rate
                    }
                }
                return best ?? 0
            }
        }
    }

    /// A value on the number line, for slopes and crossings: numbers, and the milliseconds of
    /// timestamps and durations; nil for everything else.
    static func magnitude(_ value: Value) -> Double? {
        switch value {
        case .number(let n): n
        case .time(let t): Double(t)
        case .duration(let d): Double(d)
        default: nil
        }
    }
}
