import StrataCore
import StrataLanguage

extension Compiler {
    // MARK: Fields and selectors

    /// A reader for a `where` operand that reads the event itself (`revenue`, `$weekday`...), or nil.
    func eventReader(_ expr: TypedExpr) -> FieldReader? {
        switch expr.node {
        case .property(let path): return fieldReader(.property(path))
        case .eventField(let field): return fieldReader(.event(field))
        default: return nil
        }
    }

    /// A reader for an event field.
    func fieldReader(_ field: Field) -> FieldReader {
        let source: FieldReader.Source
        switch field {
        case .property(let path):
            if let slot = population.vocabulary.propertySlot(path) {
                source = .property(UInt16(slot))
            } else {
                source = .absent
            }
        case .event(.weekday): source = .weekday
        case .event(.hour): source = .hour
        case .event(.user): source = .user
        case .event(.name): source = .name
        }
        return FieldReader(source: source, calendar: calendar, population: population)
    }

    /// Compiles a selector: a name mask and the `where` predicate.
    func filter(_ selector: EventSelector) throws(EngineError) -> EventFilter {
        var mask: [Bool]?
        var nothing = false
        if let names = selector.names {
            let vocabulary = population.vocabulary
            var m = [Bool](repeating: false, count: vocabulary.eventNames.count)
            var any = false
            for name in names {
                if let id = vocabulary.eventNameID(name) {
                    m[Int(id)] = true
                    any = true
                }
            }
            mask = m
            nothing = !any
        }
        var predicate: Predicate?
        if let condition = selector.condition {
            predicate = try with { $0.inWhere = true }.predicate(condition)
        }
        return EventFilter(mask: mask, predicate: predicate, matchesNothing: nothing)
    }

    /// Compiles a `where` condition to a per-event test, with fast paths for the common shapes
    /// (a field compared with a literal, `in` a list of literals, `contains` a literal).
    func predicate(_ condition: TypedExpr) throws(EngineError) -> Predicate {
        switch condition.node {
        case .and(let a, let b):
            let (x, y) = (try predicate(a), try predicate(b))
            return { ev, i in x(ev, i) && y(ev, i) }
        case .or(let a, let b):
            let (x, y) = (try predicate(a), try predicate(b))
            return { ev, i in x(ev, i) || y(ev, i) }
        case .not(let a):
            let x = try predicate(a)
            return { ev, i in !x(ev, i) }
        case .literal(.bool(let b)):
            return { _, _ in b }
        case .comparison(let op, let a, let b):
            if let fast = fastComparison(op, a, b) { return fast }
        case .inList(let x, let items):
            if let fast = fastInList(x, items) { return fast }
        case .contains(let x, let y):
            if let fast = fastContains(x, y) { return fast }
        default:
            break
        }
        let code = try compile(condition)
        return { ev, i in
            ev.event = i
            return code(ev).isTrue
        }
    }

    /// The tag a reader gives string values, and the payload of a string literal in that key space
    /// (nil when no event value can equal it).
    private func stringKey(_ reader: FieldReader, _ literal: String) -> (tag: UInt8, payload: UInt64?) {
        switch reader.source {
        case .property, .absent:
            return (StoredValue.string, population.vocabulary.stringID(literal).map(UInt64.init))
        case .weekday:
            return (StoredValue.weekday, LocalCalendar.weekdayNames.firstIndex(of: literal).map(UInt64.init))
        case .name:
            return (StoredValue.eventName, population.vocabulary.eventNameID(literal).map(UInt64.init))
        case .user:
            let index = population.users.index(of: literal)
            return (StoredValue.user, index.flatMap { population.users.hasUserID[$0] ? UInt64($0) : nil })
        case .hour:
            return (StoredValue.string, nil)
        }
    }

    private func fastComparison(_ op: ComparisonOperator, _ a: TypedExpr, _ b: TypedExpr) -> Predicate? {
        var op = op
        var field = a
        var other = b
        if eventReader(a) == nil {
            field = b
            other = a
            switch op {
            case .less: op = .greater
            case .lessEqual: op = .greaterEqual
            case .greater: op = .less
            case .greaterEqual: op = .lessEqual
            default: break
            }
        }
        guard let reader = eventReader(field), case .literal(let literal) = other.node else { return nil }
        let timelines = self.timelines
        switch literal {
        case .string(let s):
            guard op == .equal || op == .notEqual else { return nil }
            let (tag, payload) = stringKey(reader, s)
            if op == .equal {
                guard let payload else { return { _, _ in false } }
                return { ev, i in
                    let key = reader.key(timelines, i, ev)
                    return key.tag == tag && key.payload == payload
                }
            }
            return { ev, i in
                let key = reader.key(timelines, i, ev)
                return key.tag == tag && key.payload != payload
            }
        case .number(let n):
            let operation = op
            return { ev, i in
                guard let x = reader.number(timelines, i, ev) else { return false }
                switch operation {
                case .equal: return x == n
                case .notEqual: return x != n
                case .less: return x < n
                case .lessEqual: return x <= n
                case .greater: return x > n
                case .greaterEqual: return x >= n
                }
            }
        case .bool(let b):
            guard op == .equal || op == .notEqual else { return { _, _ in false } }
            let payload: UInt64 = b ? 1 : 0
            let equal = op == .equal
            return { ev, i in
                let key = reader.key(timelines, i, ev)
                return key.tag == StoredValue.bool && (key.payload == payload) == equal
            }
        case .duration, .time:
            return { _, _ in false }
        }
    }

    private func fastInList(_ x: TypedExpr, _ items: [TypedExpr]) -> Predicate? {
        guard let reader = eventReader(x) else { return nil }
        let timelines = self.timelines
        var strings: [String] = []
        var numbers: [Double] = []
        for item in items {
            switch item.node {
            case .literal(.string(let s)): strings.append(s)
            case .literal(.number(let n)): numbers.append(n)
            default: return nil
            }
        }
        if numbers.isEmpty {
            var tag = StoredValue.string
            var payloads: Set<UInt64> = []
            for s in strings {
                let key = stringKey(reader, s)
                tag = key.tag
                if let payload = key.payload { payloads.insert(payload) }
            }
            if payloads.isEmpty { return { _, _ in false } }
            let (t, set) = (tag, payloads)
            return { ev, i in
                let key = reader.key(timelines, i, ev)
                return key.tag == t && set.contains(key.payload)
            }
        }
        if strings.isEmpty {
            let list = numbers
            return { ev, i in
                guard let n = reader.number(timelines, i, ev) else { return false }
                return list.contains(n)
            }
        }
        return nil
    }

    private func fastContains(_ x: TypedExpr, _ y: TypedExpr) -> Predicate? {
        guard let reader = eventReader(x), case .property = reader.source,
            case .literal(.string(let needle)) = y.node
        else { return nil }
        let vocabulary = population.vocabulary
        let mask = vocabulary.strings.map { Value.containsBytes($0, needle) }
        let timelines = self.timelines
        let target = Value.string(needle)
        return { ev, i in
            let key = reader.key(timelines, i, ev)
            if key.tag == StoredValue.string { return mask[Int(key.payload)] }
            if key.tag == StoredValue.json {
                return Compiler.contains(vocabulary.decode(tag: key.tag, payload: key.payload), target)
            }
            return false
        }
    }

    // MARK: Windows

    /// Compiles a window to the closed range of times it covers, clipped at now (LANGUAGE.md §5, §8).
    func window(_ window: Window) throws(EngineError) -> WindowCode {
        let now = self.now
        func constant(_ low: Int64, _ high: Int64) -> WindowCode {
            let range = (low: low, high: Swift.min(high, now))
            return { _ in range }
        }
        switch window {
        case .allTime:
            return constant(Int64.min, now)
        case .period:
            return { ev in (ev.periodLow, ev.periodHigh) }
        case .last(let d):
            return constant(Self.plus(Self.minus(now, d), 1), now)
        case .between(let from, let to):
            return constant(Self.plus(Self.minus(now, from), 1), Self.minus(now, to))
        case .before(let d):
            return constant(Int64.min, Self.minus(now, d))
        case .since(let point):
            return constant(calendar.instant(point), now)
        case .absolute(let from, let to):
            return constant(calendar.instant(from), Self.minus(calendar.instant(to), 1))
        case .calendar(let relation, let unit):
            let starts = engine.periodStarts(unit, count: 2)
            guard starts.count == 2 else { return constant(1, 0) }
            return relation == .this ? constant(starts[0], now) : constant(starts[1], starts[0] - 1)
        case .first(let d, let anchor):
            let anchorCode = try self.anchor(anchor)
            return { ev in
                guard let a = anchorCode(ev) else { return (1, 0) }
                return (a, Swift.min(Self.minus(Self.plus(a, d), 1), now))
            }
        case .relative(let from, let to, let anchor):
            let anchorCode = try self.anchor(anchor)
            return { ev in
                guard let a = anchorCode(ev) else { return (1, 0) }
                return (Self.plus(a, from), Swift.min(Self.minus(Self.plus(a, to), 1), now))
            }
        case .next(let d):
            let range = (low: Self.plus(now, 1), high: Self.plus(now, d))
            return { _ in range }
        }
    }

    /// The anchor instant of a `first` / relative window for the current profile, or nil.
    func anchor(_ anchor: WindowAnchor) throws(EngineError) -> @Sendable (Evaluator) -> Int64? {
        let timelines = self.timelines
        switch anchor {
        case .firstSeen:
            return { ev in timelines.firstSeen(ev.profile) }
        case .firstEvent(let selector):
            let filter = try self.filter(selector)
            let now = self.now
            return { ev in
                let range = timelines.events(of: ev.profile, from: Int64.min, through: now)
                return filter.first(timelines, range, ev).map { timelines.times[$0] }
            }
        }
    }

    static func plus(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? Int64.max : Int64.min) : r
    }

    static func minus(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? (b > 0 ? Int64.min : Int64.max) : r
    }

    // MARK: Aggregates

    /// Wraps a kernel: resolves the window, finds its events by binary search, and runs the kernel on
    /// them (or returns `empty` when there are none).
    func scanning(
        _ window: @escaping WindowCode, empty: Value,
        _ kernel: @escaping @Sendable (Evaluator, Range<Int>) -> Value
    ) -> Code {
        let timelines = self.timelines
        return { ev in
            let (low, high) = window(ev)
            if low > high { return empty }
            let range = timelines.events(of: ev.profile, from: low, through: high)
            if range.isEmpty { return empty }
            return kernel(ev, range)
        }
    }

    /// Compiles an event aggregate (LANGUAGE.md §6, §8).
    func aggregate(_ aggregate: EventAggregate) throws(EngineError) -> Code {
        let tl = timelines
        let f = try filter(aggregate.selector)
        let w = try window(aggregate.window)
        let now = self.now
        let day = Double(Instant.day)
        switch aggregate.function {
        case .count:
            return scanning(w, empty: .number(0)) { ev, r in .number(Double(f.count(tl, r, ev))) }
        case .did:
            return scanning(w, empty: .bool(false)) { ev, r in .bool(f.first(tl, r, ev) != nil) }
        case .countDistinct(let field):
            let reader = fieldReader(field)
            return scanning(w, empty: .number(0)) { ev, r in
                ev.keys.removeAll(keepingCapacity: true)
                for i in r where f.matches(tl, i, ev) {
                    let key = reader.key(tl, i, ev)
                    if key.tag != StoredValue.absent { ev.keys.append(FieldKey(tag: key.tag, payload: key.payload)) }
                }
                if ev.keys.count < 2 { return .number(Double(ev.keys.count)) }
                ev.keys.sort()
                var distinct = 1
                for k in 1..<ev.keys.count where ev.keys[k] != ev.keys[k - 1] { distinct += 1 }
                return .number(Double(distinct))
            }
        case .sum(let field):
            let reader = fieldReader(field)
            return scanning(w, empty: .number(0)) { ev, r in
                var sum = 0.0
                for i in r where f.matches(tl, i, ev) {
                    if let x = reader.number(tl, i, ev) { sum += x }
                }
                return .number(sum)
            }
        case .average(let field):
            let reader = fieldReader(field)
            return scanning(w, empty: .missing) { ev, r in
                var sum = 0.0
                var n = 0
                for i in r where f.matches(tl, i, ev) {
                    if let x = reader.number(tl, i, ev) {
                        sum += x
                        n += 1
                    }
                }
                return n == 0 ? .missing : .number(sum / Double(n))
            }
        case .minimum(let field), .maximum(let field):
            let reader = fieldReader(field)
            let isMin: Bool
            if case .minimum = aggregate.function { isMin = true } else { isMin = false }
            return scanning(w, empty: .missing) { ev, r in
                var best: Double?
                for i in r where f.matches(tl, i, ev) {
                    guard let x = reader.number(tl, i, ev) else { continue }
                    if let b = best {
                        if isMin ? x < b : x > b { best = x }
                    } else {
                        best = x
                    }
                }
                return best.map(Value.number) ?? .missing
            }
        case .firstTime:
            return scanning(w, empty: .missing) { ev, r in f.first(tl, r, ev).map { .time(tl.times[$0]) } ?? .missing }
        case .lastTime:
            return scanning(w, empty: .missing) { ev, r in f.last(tl, r, ev).map { .time(tl.times[$0]) } ?? .missing }
        case .daysSince:
            return scanning(w, empty: .missing) { ev, r in
                guard let i = f.last(tl, r, ev) else { return .missing }
                return .number((Double(now) - Double(tl.times[i])) / day)
            }
        case .daysSinceFirst:
            return scanning(w, empty: .missing) { ev, r in
                guard let i = f.first(tl, r, ev) else { return .missing }
                return .number((Double(now) - Double(tl.times[i])) / day)
            }
        case .activeDays:
            let calendar = self.calendar
            return scanning(w, empty: .number(0)) { ev, r in
                ev.numbers.removeAll(keepingCapacity: true)
                var ordered = true
                for i in r where f.matches(tl, i, ev) {
                    let d = calendar.localDay(tl.times[i])
                    if let last = ev.numbers.last {
                        if d == last { continue }
                        if d < last { ordered = false }
                    }
                    ev.numbers.append(d)
                }
                if ordered { return .number(Double(ev.numbers.count)) }
                return .number(Double(Set(ev.numbers).count))
            }
        case .averageGap:
            return scanning(w, empty: .missing) { ev, r in
                var n = 0
                var first: Int64 = 0
                var last: Int64 = 0
                for i in r where f.matches(tl, i, ev) {
                    if n == 0 { first = tl.times[i] }
                    last = tl.times[i]
                    n += 1
                }
                return n < 2 ? .missing : .number((Double(last) - Double(first)) / day / Double(n - 1))
            }
        case .top(let field), .topShare(let field):
            let reader = fieldReader(field)
            let share: Bool
            if case .topShare = aggregate.function { share = true } else { share = false }
            return scanning(w, empty: .missing) { ev, r in
                ev.keys.removeAll(keepingCapacity: true)
                for i in r where f.matches(tl, i, ev) {
                    let key = reader.key(tl, i, ev)
                    if key.tag != StoredValue.absent { ev.keys.append(FieldKey(tag: key.tag, payload: key.payload)) }
                }
                guard !ev.keys.isEmpty else { return .missing }
                ev.keys.sort()
                var bestValue = reader.value(tag: ev.keys[0].tag, payload: ev.keys[0].payload)
                var bestCount = 0
                var k = 0
                while k < ev.keys.count {
                    var j = k + 1
                    while j < ev.keys.count, ev.keys[j] == ev.keys[k] { j += 1 }
                    let count = j - k
                    if count >= bestCount {
                        let candidate = ev.keys[k]
                        let value = reader.value(tag: candidate.tag, payload: candidate.payload)
                        if count > bestCount || Compiler.precedes(value, bestValue) {
                            bestValue = value
                            bestCount = count
                        }
                    }
                    k = j
                }
                return share ? .number(Double(bestCount) / Double(ev.keys.count)) : bestValue
            }
        }
    }

    /// The order `top` breaks ties by: numbers before strings before bools before other values; numbers
    /// by value, strings by bytes.
    static func precedes(_ a: Value, _ b: Value) -> Bool {
        func rank(_ v: Value) -> Int {
            switch v {
            case .number: 0
            case .string: 1
            case .bool: 2
            default: 3
            }
        }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb }
        if case .bool(let x) = a, case .bool(let y) = b { return !x && y }
        if let c = Value.order(a, b) { return c < 0 }
        return a.displayText.utf8.lexicographicallyPrecedes(b.displayText.utf8)
    }

    /// `share(E, of: E2, W)`: count(E, W) / count(E2, W); missing when count(E2, W) = 0.
    func share(_ selector: EventSelector, of total: EventSelector, window: Window) throws(EngineError) -> Code {
        let tl = timelines
        let f = try filter(selector)
        let g = try filter(total)
        let w = try self.window(window)
        return scanning(w, empty: .missing) { ev, r in
            let d = g.count(tl, r, ev)
            if d == 0 { return .missing }
            return .number(Double(f.count(tl, r, ev)) / Double(d))
        }
    }
}
