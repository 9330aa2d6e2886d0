import PropertyBased
import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// Random timelines and random expressions (count / did / sum / avg over random windows, comparisons,
/// and / or / not), evaluated by the engine and by a deliberately naive reference that filters plain
/// event lists; the two must agree on every profile.
@Suite struct PropertyTests {
    @Test func engineAgreesWithANaiveReference() async {
        await propertyCheck(count: 150, input: Gen.int(in: 0...1_000_000_000)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let world = ReferenceWorld.random(&random)
            let conditions = (0..<4).map { _ in ReferenceExpr.randomCondition(&random, depth: 3) }
            let numbers = (0..<3).map { _ in ReferenceExpr.randomNumber(&random, depth: 2) }
            var f = world.fixture
            for (i, condition) in conditions.enumerated() { f.segment("s\(i)", condition.text) }
            for (i, number) in numbers.enumerated() { f.traits.append(("n\(i)", number.text)) }
            do {
                let engine = try f.engine(asOf: world.now)
                for (i, condition) in conditions.enumerated() {
                    let expected = world.users.filter { condition.evaluate(world, $0).isTrue }.sorted()
                    let actual = try engine.segment(named: "s\(i)").members
                    #expect(actual == expected, "seed \(seed): \(condition.text)")
                }
                for (i, number) in numbers.enumerated() {
                    guard let trait = engine.definitions.computedTraits.first(where: { $0.name == "n\(i)" }) else {
                        Issue.record("no computed trait n\(i)")
                        continue
                    }
                    let values = try engine.evaluate(trait.expression, file: "traits.yaml")
                    for user in world.users {
                        guard let index = engine.population.users.index(of: user) else {
                            Issue.record("no profile \(user)")
                            continue
                        }
                        let expected = number.evaluate(world, user).value
                        #expect(values[index] == expected, "seed \(seed): \(number.text) for \(user)")
                    }
                }
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}

/// Random timelines and conditions: no membership changes before the horizon the engine gives for it
/// (ARCHITECTURE.md "Time"), checked one millisecond before each horizon and at random instants.
@Suite struct HorizonPropertyTests {
    @Test func membershipNeverChangesBeforeItsHorizon() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...1_000_000_000)) { seed in
            var random = SplitMix(seed: UInt64(seed))
            let world = ReferenceWorld.random(&random)
            let conditions = (0..<3).map { _ in ReferenceExpr.randomCondition(&random, depth: 3) }
            var f = world.fixture
            for (i, condition) in conditions.enumerated() { f.segment("s\(i)", condition.text) }
            do {
                let definitions = try f.definitions()
                let population = f.population(asOf: world.now, definitions: definitions)
                func members(_ name: String, at now: Int64) throws -> Set<String> {
                    let engine = Engine(population: population, definitions: definitions, zone: f.zone, now: now)
                    return Set(try engine.segment(named: name).members)
                }
                let engine = Engine(population: population, definitions: definitions, zone: f.zone)
                for (i, condition) in conditions.enumerated() {
                    let name = "s\(i)"
                    let initial = try members(name, at: world.now)
                    let horizons = try engine.nextChanges(ofSegment: name)
                    var samples: [Int64] = []
                    for h in horizons {
                        let end = min(h, world.now + 90 * day)
                        guard end > world.now + 1 else { continue }
                        samples.append(end - 1)
                        samples.append(world.now + 1 + Int64(random.next() % UInt64(end - world.now - 1)))
                    }
                    for sample in Set(samples) {
                        let later = try members(name, at: sample)
                        for (profile, h) in horizons.enumerated() where sample < h {
                            let id = population.users.ids[profile]
                            #expect(
                                later.contains(id) == initial.contains(id),
                                "seed \(seed): \(condition.text) for \(id) changed at \(sample) before \(h)")
                        }
                    }
                }
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}

/// A small deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
}

/// The timelines of the reference, as plain lists.
struct ReferenceWorld {
    struct Event {
        var name: String
        var time: Int64
        var x: JSONValue?
    }

    let now = t("2026-07-01T00:00:00Z")
    var events: [String: [Event]] = [:]
    var users: [String] = []

    /// Up to five users with up to 14 events each (on an hour grid that often lands on day
    /// boundaries, some after now), and one identify-only user.
    static func random(_ random: inout SplitMix) -> ReferenceWorld {
        var world = ReferenceWorld()
        let count = random.int(1...5)
        for u in 0..<count {
            let user = "u\(u)"
            var list: [Event] = []
            for _ in 0..<random.int(0...14) {
                let days = random.int(-1...70)
                let hours = random.chance(0.5) ? 0 : random.int(-1...23)
                let time = world.now - Int64(days) * day - Int64(hours) * hour + (random.chance(0.1) ? 1 : 0)
                var x: JSONValue?
                if random.chance(0.7) {
                    x = .number(Double(random.int(-3...10)))
                } else if random.chance(0.3) {
                    x = "s"
                }
                list.append(Event(name: random.pick(["A", "B", "C"]), time: time, x: x))
            }
            world.events[user] = list
            world.users.append(user)
        }
        world.users.append("z")
        world.events["z"] = []
        return world
    }

    var fixture: Fixture {
        var f = Fixture()
        for user in users {
            let list = events[user] ?? []
            f.identify(user, at: now - 100 * day)  // every user exists, even when all its events are after now
            for event in list { f.track(user, event.name, at: event.time, event.x.map { ["x": $0] } ?? [:]) }
        }
        return f
    }

    /// A user's events at or before now, by time (ties in arrival order).
    func timeline(_ user: String) -> [Event] {
        (events[user] ?? []).enumerated().filter { $0.element.time <= now }
            .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
}

/// A value of the reference: number, bool or missing.
enum ReferenceValue: Equatable {
    case missing
    case number(Double)
    case bool(Bool)

    var isTrue: Bool { self == .bool(true) }

    var value: Value {
        switch self {
        case .missing: .missing
        case .number(let n): .number(n)
        case .bool(let b): .bool(b)
        }
    }
}

/// The expressions of the grammar subset, with their text and a naive evaluation.
indirect enum ReferenceExpr {
    enum Selector {
        case names([String])
        case any
        case filtered([String]?, Double)  // `where x > k`

        var text: String {
            switch self {
            case .names(let names):
                names.count == 1 ? "\"\(names[0])\"" : "(" + names.map { "\"\($0)\"" }.joined(separator: " or ") + ")"
            case .any: "any"
            case .filtered(let names, let k):
                "\(names.map { Selector.names($0).text } ?? "any") where x > \(Value.format(k))"
            }
        }

        func matches(_ event: ReferenceWorld.Event) -> Bool {
            switch self {
            case .names(let names): return names.contains(event.name)
            case .any: return true
            case .filtered(let names, let k):
                guard names?.contains(event.name) ?? true, case .number(let x)? = event.x else { return false }
                return x > k
            }
        }
    }

    enum Window {
        case allTime
        case last(Int)
        case before(Int)
        case between(Int, Int)

        var text: String {
            switch self {
            case .allTime: ""
            case .last(let d): ", last \(d)d"
            case .before(let d): ", before \(d)d ago"
            case .between(let a, let b): ", from \(a)d ago to \(b)d ago"
            }
        }

        func contains(_ time: Int64, now: Int64) -> Bool {
            switch self {
            case .allTime: return time <= now
            case .last(let d): return now - Int64(d) * day < time && time <= now
            case .before(let d): return time <= now - Int64(d) * day
            case .between(let a, let b): return now - Int64(a) * day < time && time <= now - Int64(b) * day
            }
        }
    }

    case count(Selector, Window)
    case did(Selector, Window)
    case sum(Selector, Window)
    case average(Selector, Window)
    case number(Double)
    case add(ReferenceExpr, ReferenceExpr)
    case multiply(ReferenceExpr, ReferenceExpr)
    case compare(String, ReferenceExpr, ReferenceExpr)
    case and(ReferenceExpr, ReferenceExpr)
    case or(ReferenceExpr, ReferenceExpr)
    case not(ReferenceExpr)

    var text: String {
        switch self {
        case .count(let s, let w): "count(\(s.text)\(w.text))"
        case .did(let s, let w): "did(\(s.text)\(w.text))"
        case .sum(let s, let w): "sum(\(s.text), x\(w.text))"
        case .average(let s, let w): "avg(\(s.text), x\(w.text))"
        case .number(let n): Value.format(n)
        case .add(let a, let b): "(\(a.text) + \(b.text))"
        case .multiply(let a, let b): "(\(a.text) * \(b.text))"
        case .compare(let op, let a, let b): "\(a.text) \(op) \(b.text)"
        case .and(let a, let b): "(\(a.text) and \(b.text))"
        case .or(let a, let b): "(\(a.text) or \(b.text))"
        case .not(let a): "not (\(a.text))"
        }
    }

    static func randomWindow(_ random: inout SplitMix) -> Window {
        switch random.int(0...3) {
        case 0: return .allTime
        case 1: return .last(random.int(1...40))
        case 2: return .before(random.int(0...40))
        default:
            let b = random.int(0...30)
            return .between(b + random.int(1...30), b)
        }
    }

    static func randomSelector(_ random: inout SplitMix) -> Selector {
        switch random.int(0...3) {
        case 0: return .names([random.pick(["A", "B", "C", "D"])])
        case 1: return .names(["A", "B"])
        case 2: return .any
        default: return .filtered(random.chance(0.5) ? [random.pick(["A", "B"])] : nil, Double(random.int(-2...6)))
        }
    }

    static func randomNumber(_ random: inout SplitMix, depth: Int) -> ReferenceExpr {
        let pick = random.int(0...(depth > 0 ? 5 : 3))
        switch pick {
        case 0: return .count(randomSelector(&random), randomWindow(&random))
        case 1: return .sum(randomSelector(&random), randomWindow(&random))
        case 2: return .average(randomSelector(&random), randomWindow(&random))
        case 3: return .number(Double(random.int(0...8)) / 2)
        case 4: return .add(randomNumber(&random, depth: depth - 1), randomNumber(&random, depth: depth - 1))
        default: return .multiply(randomNumber(&random, depth: depth - 1), randomNumber(&random, depth: depth - 1))
        }
    }

    static func randomCondition(_ random: inout SplitMix, depth: Int) -> ReferenceExpr {
        let pick = random.int(0...(depth > 0 ? 4 : 1))
        switch pick {
        case 0:
            return .compare(
                random.pick(["=", "!=", "<", "<=", ">", ">="]), randomNumber(&random, depth: 1),
                randomNumber(&random, depth: 1))
        case 1: return .did(randomSelector(&random), randomWindow(&random))
        case 2: return .and(randomCondition(&random, depth: depth - 1), randomCondition(&random, depth: depth - 1))
        case 3: return .or(randomCondition(&random, depth: depth - 1), randomCondition(&random, depth: depth - 1))
        default: return .not(randomCondition(&random, depth: depth - 1))
        }
    }

    /// The naive evaluation: filter the user's event list, then fold.
    func evaluate(_ world: ReferenceWorld, _ user: String) -> ReferenceValue {
        func matching(_ s: Selector, _ w: Window) -> [ReferenceWorld.Event] {
            world.timeline(user).filter { s.matches($0) && w.contains($0.time, now: world.now) }
        }
        func numbers(_ s: Selector, _ w: Window) -> [Double] {
            matching(s, w).compactMap { if case .number(let x)? = $0.x { return x } else { return nil } }
        }
        switch self {
        case .count(let s, let w): return .number(Double(matching(s, w).count))
        case .did(let s, let w): return .bool(!matching(s, w).isEmpty)
        case .sum(let s, let w): return .number(numbers(s, w).reduce(0, +))
        case .average(let s, let w):
            let list = numbers(s, w)
            return list.isEmpty ? .missing : .number(list.reduce(0, +) / Double(list.count))
        case .number(let n): return .number(n)
        case .add(let a, let b):
            guard case .number(let x) = a.evaluate(world, user), case .number(let y) = b.evaluate(world, user) else {
                return .missing
            }
            return .number(x + y)
        case .multiply(let a, let b):
            guard case .number(let x) = a.evaluate(world, user), case .number(let y) = b.evaluate(world, user) else {
                return .missing
            }
            return .number(x * y)
        case .compare(let op, let a, let b):
            guard case .number(let x) = a.evaluate(world, user), case .number(let y) = b.evaluate(world, user) else {
                return .bool(false)
            }
            switch op {
            case "=": return .bool(x == y)
            case "!=": return .bool(x != y)
            case "<": return .bool(x < y)
            case "<=": return .bool(x <= y)
            case ">": return .bool(x > y)
            default: return .bool(x >= y)
            }
        case .and(let a, let b): return .bool(a.evaluate(world, user).isTrue && b.evaluate(world, user).isTrue)
        case .or(let a, let b): return .bool(a.evaluate(world, user).isTrue || b.evaluate(world, user).isTrue)
        case .not(let a): return .bool(!a.evaluate(world, user).isTrue)
        }
    }
}
