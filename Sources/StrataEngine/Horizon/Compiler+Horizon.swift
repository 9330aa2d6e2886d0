import StrataCore
import StrataLanguage

/// The earliest instant after now at which a value could change for the current profile if no new
/// message arrives (`Int64.max`: never). It may be early, never late: re-evaluating at the horizon
/// and computing the next one finds every change at its exact millisecond.
typealias HorizonCode = @Sendable (Evaluator) -> Int64

extension Compiler {
    /// How often a value that is not affine in now is re-checked, in ms (see ``SlopeCode``).
    static let pollInterval: Int64 = 1000

    /// Compiles the horizon of an expression (ARCHITECTURE.md "Time"); nil when time alone never changes
    /// it, so that callers skip it.
    ///
    /// Values change without a message when a window edge passes an event, a calendar period ends, a
    /// `not_followed_by` deadline passes, or a quantity that moves with now (`days_since`, `now - t`)
    /// crosses what it is compared with. Population-relative values (percentile, RFM) change on their
    /// definition's cadence, not here.
    func horizon(_ expr: TypedExpr) throws(EngineError) -> HorizonCode? {
        switch expr.node {
        case .literal, .now, .firstSeen, .lastSeen, .property, .eventField, .trait, .percentile, .rfm:
            return nil
        case .computed(let name):
            return try referencedHorizon(DefinitionID(.computed, name), expr)
        case .score(let name):
            return try referencedHorizon(DefinitionID(.score, name), expr)
        case .stage(let name):
            return try referencedHorizon(DefinitionID(.stage, name), expr)
        case .segment(let name):
            return try referencedHorizon(DefinitionID(.segment, name), expr)
        case .account(let inner):
            guard let code = try with({ $0.kind = .accounts }).horizon(inner) else { return nil }
            let accountOfUser = population.accountOfUser
            return { ev in
                let account = accountOfUser[ev.profile]
                if account < 0 { return Int64.max }
                let user = ev.profile
                ev.profile = Int(account)
                defer { ev.profile = user }
                return code(ev)
            }
        case .countUsers(let inner):
            guard let code = try with({ $0.kind = .users }).horizon(inner) else { return nil }
            let population = self.population
            return { ev in
                let account = ev.profile
                defer { ev.profile = account }
                var earliest = Int64.max
                for user in population.users(ofAccount: account) {
                    ev.profile = Int(user)
                    earliest = Swift.min(earliest, code(ev))
                }
                return earliest
            }
        case .negate(let a), .not(let a), .exists(let a):
            return try horizon(a)
        case .and(let a, let b), .or(let a, let b), .arithmetic(_, let a, let b), .contains(let a, let b),
            .daysBetween(let a, let b):
            return earliest([try horizon(a), try horizon(b)])
        case .comparison(_, let a, let b):
            return earliest([try horizon(a), try horizon(b), try crossing(a, b)])
        case .between(let x, let low, let high):
            return earliest([
                try horizon(x), try horizon(low), try horizon(high), try crossing(x, low), try crossing(x, high),
            ])
        case .inList(let x, let items):
            var parts = [try horizon(x)]
            for item in items { parts += [try horizon(item), try crossing(x, item)] }
            return earliest(parts)
        case .aggregate(let aggregate):
            return try windowHorizon(aggregate.selector, aggregate.window)
        case .share(let selector, let total, let window):
            return earliest([try windowHorizon(selector, window), try windowHorizon(total, window)])
        case .sequence(let sequence):
            return try sequenceHorizon(sequence)
        case .streak(let unit, _), .countPeriods(let unit, _, _):
            let next = nextPeriodStart(unit)
            return { _ in next }
        case .math(let function, let arguments):
            return try mathHorizon(function, arguments)
        case .coalesce(let arguments):
            var parts: [HorizonCode?] = []
            for argument in arguments { parts.append(try horizon(argument)) }
            return earliest(parts)
        }
    }

    /// The earliest of several horizons (nil: never).
    func earliest(_ horizons: [HorizonCode?]) -> HorizonCode? {
        let parts = horizons.compactMap { $0 }
        if parts.count < 2 { return parts.first }
        return { ev in
            var result = Int64.max
            for part in parts { result = Swift.min(result, part(ev)) }
            return result
        }
    }

    /// The horizon of another definition, read from the engine's per-profile column.
    private func referencedHorizon(_ id: DefinitionID, _ expr: TypedExpr) throws(EngineError) -> HorizonCode {
        guard !scope.inWhere else { throw error("\(id) cannot be read inside `where`", at: expr) }
        let horizons = try engine.horizons(of: id, kind: scope.kind, from: file, at: expr.range.start)
        return { ev in horizons[ev.profile] }
    }

    /// When two moving quantities could meet: the value of `a` minus that of `b` reaches zero at
    /// now + Δ; the answer is one millisecond before the (rounded-up) estimate, so that re-evaluating
    /// there and again finds the exact millisecond of the change. Nil when neither moves with time.
    func crossing(_ a: TypedExpr, _ b: TypedExpr) throws(EngineError) -> HorizonCode? {
        guard movesWithTime(a) || movesWithTime(b) else { return nil }
        let (va, vb) = (try compile(a), try compile(b))
        let (sa, sb) = (try slope(a), try slope(b))
        let now = self.now
        return { ev in
            guard let x = Compiler.magnitude(va(ev)), let y = Compiler.magnitude(vb(ev)) else { return Int64.max }
            guard let p = sa(ev), let q = sb(ev) else { return Compiler.plus(now, Compiler.pollInterval) }
            return Compiler.meeting(now: now, gap: y - x, rate: p - q)
        }
    }

    /// The instant to re-check for a gap closing at a rate (per ms): a little before they meet, at least
    /// 1 ms after now; never when they do not meet in the future.
    static func meeting(now: Int64, gap: Double, rate: Double) -> Int64 {
        guard rate != 0, gap.isFinite, rate.isFinite else { return Int64.max }
        let delta = gap / rate
        guard delta >= 0, delta < 1e15 else { return Int64.max }
        return plus(now, Swift.max(1, Int64(delta.rounded(.up)) - 1))
    }

    /// The start of the period of `unit` after the one holding now.
    func nextPeriodStart(_ unit: CalendarUnit) -> Int64 {
        let today = calendar.zone.date(at: now)
        return calendar.start(of: LocalCalendar.periodStartDate(unit, today: today, back: -1))
    }

    /// When the events a window selects could change with time alone: an event leaving `last D`,
    /// entering or leaving `from A ago to B ago`, entering `before D ago`, or a calendar period ending.
    /// A `where` condition that reads the clock is re-checked every second.
    func windowHorizon(_ selector: EventSelector, _ window: Window) throws(EngineError) -> HorizonCode? {
        let f = try filter(selector)
        let tl = timelines
        let now = self.now
        let poll = Compiler.plus(now, Compiler.pollInterval)
        var moving: HorizonCode?
        if Compiler.readsClock(selector) { moving = { _ in poll } }
        /// The first matching event with `low <= t <= high`, moved by `shift`.
        @Sendable func first(_ ev: Evaluator, _ low: Int64, _ high: Int64, _ shift: Int64) -> Int64 {
            let range = tl.events(of: ev.profile, from: low, through: high)
            guard let i = f.first(tl, range, ev) else { return Int64.max }
            return Compiler.plus(tl.times[i], shift)
        }
        let edges: HorizonCode?
        switch window {
        case .allTime, .period, .since, .absolute, .first, .relative, .next:
            edges = nil
        case .last(let d):
            edges = { ev in first(ev, Compiler.plus(Compiler.minus(now, d), 1), now, d) }
        case .between(let from, let to):
            edges = { ev in
                Swift.min(
                    first(ev, Compiler.plus(Compiler.minus(now, from), 1), Compiler.minus(now, to), from),
                    first(ev, Compiler.plus(Compiler.minus(now, to), 1), now, to))
            }
        case .before(let d):
            edges = { ev in first(ev, Compiler.plus(Compiler.minus(now, d), 1), now, d) }
        case .calendar(let relation, let unit):
            let starts = engine.periodStarts(unit, count: 2)
            let next = nextPeriodStart(unit)
            let low = relation == .this ? starts[0] : starts[starts.count - 1]
            edges = { ev in first(ev, low, now, 0) == Int64.max ? Int64.max : next }
        }
        return earliest([edges, moving])
    }

    /// Whether a selector's `where` condition reads anything that moves with the clock.
    static func readsClock(_ selector: EventSelector) -> Bool {
        guard let condition = selector.condition else { return false }
        var reads = false
        PlanWalk.walk(condition, scope: .users) { item, _ in
            guard case .node(let node) = item else { return }
            switch node.node {
            case .now, .aggregate, .share, .sequence, .streak, .countPeriods: reads = true
            default: break
            }
        }
        return reads
    }

    /// Sequences change when their first step's window changes, and `not_followed_by` also when an
    /// unanswered first step's deadline passes.
    private func sequenceHorizon(_ sequence: EventSequence) throws(EngineError) -> HorizonCode? {
        guard let head = sequence.steps.first else { return nil }
        let edges = try windowHorizon(head, sequence.window)
        guard sequence.kind == .notFollowedBy else { return edges }
        let f = try filter(head)
        let w = try window(sequence.window)
        let tl = timelines
        let now = self.now
        let within = sequence.within
        let deadlines: HorizonCode = { ev in
            let (low, high) = w(ev)
            let from = Swift.max(low, Compiler.plus(Compiler.minus(now, within), 1))
            guard from <= high else { return Int64.max }
            let range = tl.events(of: ev.profile, from: from, through: high)
            guard let i = f.first(tl, range, ev) else { return Int64.max }
            return Compiler.plus(tl.times[i], within)
        }
        return earliest([edges, deadlines])
    }

    private func mathHorizon(_ function: MathFunction, _ arguments: [TypedExpr]) throws(EngineError) -> HorizonCode? {
        var parts: [HorizonCode?] = []
        for argument in arguments { parts.append(try horizon(argument)) }
        switch function {
        case .least, .greatest:
            for i in arguments.indices {
                for j in arguments.indices where j > i { parts.append(try crossing(arguments[i], arguments[j])) }
            }
        case .abs:
            let zero = TypedExpr(.literal(.number(0)), type: .number, range: arguments[0].range)
            parts.append(try crossing(arguments[0], zero))
        case .floor, .round:
            guard movesWithTime(arguments[0]) else { break }
            let value = try compile(arguments[0])
            let move = try slope(arguments[0])
            let places = arguments.count > 1 ? try compile(arguments[1]) : nil
            let now = self.now
            let isFloor = function == .floor
            parts.append { ev in
                guard let x = value(ev).number, let s = move(ev) else {
                    return Compiler.plus(now, Compiler.pollInterval)
                }
                if s == 0 { return Int64.max }
                var scale = 1.0
                if let places, let p = places(ev).number, p.isFinite { scale = Compiler.scale(places: p) }
                // Steps of floor are at whole numbers, of round halfway between them. Rising, the value
                // steps on reaching the next one; falling, just after passing below the current one.
                let offset = isFloor ? 0.0 : 0.5
                let scaled = x * scale - offset
                let target = s > 0 ? scaled.rounded(.down) + 1 : scaled.rounded(.down)
                return Compiler.meeting(now: now, gap: (target + offset) / scale - x, rate: s)
            }
        }
        return earliest(parts)
    }
}
