import StrataCore
import StrataEngine
import StrataLanguage

/// An instant from ISO 8601 text (tests only use valid literals; a bad one is 0 and fails its test).
func t(_ text: String) -> Int64 { Instant.parse(text) ?? 0 }

/// Milliseconds in a day, hour and minute.
let day: Int64 = 86_400_000
let hour: Int64 = 3_600_000
let minute: Int64 = 60_000

/// A definition problem met while building a fixture.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// Hand-built messages and definitions, evaluated by the real builder and engine.
struct Fixture {
    var messages: [Message] = []
    var zone: Zone = .utc
    var segments: [String: (of: ProfileKind, where: String)] = [:]
    var traits: [(name: String, expression: String)] = []
    var files: [String: String] = [:]

    init(zone: Zone = .utc) { self.zone = zone }

    private var nextId: String { "m\(messages.count)" }

    /// A track call.
    mutating func track(
        _ user: String?, _ event: String, at time: Int64, _ properties: [String: JSONValue] = [:],
        anonymousId: String? = nil, receivedAt: Int64? = nil
    ) {
        messages.append(
            Message(
                kind: .track, messageId: nextId, userId: user, anonymousId: anonymousId, event: event,
                properties: properties, timestamp: time, receivedAt: receivedAt ?? time))
    }

    /// A page call ("Page Viewed").
    mutating func page(_ user: String, at time: Int64, _ properties: [String: JSONValue] = [:]) {
        messages.append(
            Message(
                kind: .page, messageId: nextId, userId: user, event: "Page Viewed", properties: properties,
                timestamp: time, receivedAt: time))
    }

    /// Several track calls of one event.
    mutating func track(_ user: String, _ event: String, times: [Int64], _ properties: [String: JSONValue] = [:]) {
        for time in times { track(user, event, at: time, properties) }
    }

    /// An identify call.
    mutating func identify(
        _ user: String?, _ traits: [String: JSONValue] = [:], at time: Int64, anonymousId: String? = nil,
        receivedAt: Int64? = nil
    ) {
        messages.append(
            Message(
                kind: .identify, messageId: nextId, userId: user, anonymousId: anonymousId, traits: traits,
                timestamp: time, receivedAt: receivedAt ?? time))
    }

    /// A group call.
    mutating func group(_ user: String, _ groupId: String, _ traits: [String: JSONValue] = [:], at time: Int64) {
        messages.append(
            Message(
                kind: .group, messageId: nextId, userId: user, traits: traits, groupId: groupId, timestamp: time,
                receivedAt: time))
    }

    /// An alias call.
    mutating func alias(_ previousId: String, to user: String, at time: Int64) {
        messages.append(
            Message(
                kind: .alias, messageId: nextId, userId: user, previousId: previousId, timestamp: time,
                receivedAt: time))
    }

    /// Adds a segment.
    mutating func segment(_ name: String, of: ProfileKind = .users, _ condition: String) {
        segments[name] = (of, condition)
    }

    static func block(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }

    /// The definition files.
    var definitionFiles: [String: String] {
        var all = files
        for (name, segment) in segments {
            all["segments/\(name).yaml"] = "of: \(segment.of.rawValue)\nwhere: |\n\(Self.block(segment.where))\n"
        }
        if !traits.isEmpty {
            all["traits.yaml"] = traits.map { "\($0.name): |\n\(Self.block($0.expression))\n" }.joined()
        }
        return all
    }

    /// The checked definitions; throws the diagnostics when any is an error.
    func definitions() throws -> Definitions {
        let definitions = Definitions.load(DefinitionFiles(definitionFiles))
        if definitions.hasErrors {
            throw FixtureError(description: definitions.diagnostics.map(\.description).joined(separator: "\n"))
        }
        return definitions
    }

    /// The population as of an instant.
    func population(asOf: Int64, definitions: Definitions, extraTraits: [[String]] = []) -> Population {
        var builder = TimelineBuilder(asOf: asOf, needs: DataNeeds(definitions: definitions), extraTraits: extraTraits)
        for (i, message) in messages.enumerated() { builder.add(sequence: Int64(i + 1), message: message) }
        return builder.build()
    }

    /// An engine over the fixture as of an instant.
    func engine(asOf: Int64, workers: Int = 2) throws -> Engine {
        let definitions = try definitions()
        return Engine(
            population: population(asOf: asOf, definitions: definitions), definitions: definitions, zone: zone,
            workers: workers)
    }

    /// The members of a segment as of an instant.
    func members(_ name: String, asOf: Int64) throws -> [String] {
        try engine(asOf: asOf).segment(named: name).members
    }

    /// The value of an expression (checked as a computed trait) for one profile as of an instant.
    func value(_ expression: String, for id: String, asOf: Int64) throws -> Value {
        var copy = self
        copy.traits.append(("probe", expression))
        let engine = try copy.engine(asOf: asOf)
        guard let probe = engine.definitions.computedTraits.first(where: { $0.name == "probe" }) else {
            throw FixtureError(description: "no probe")
        }
        return try engine.evaluate(probe.expression, profile: id, file: "traits.yaml")
    }

    /// Values of several expressions for one profile (one engine).
    func values(_ expressions: [String], for id: String, asOf: Int64) throws -> [Value] {
        var copy = self
        for (i, expression) in expressions.enumerated() { copy.traits.append(("probe\(i)", expression)) }
        let engine = try copy.engine(asOf: asOf)
        var result: [Value] = []
        for i in expressions.indices {
            guard let probe = engine.definitions.computedTraits.first(where: { $0.name == "probe\(i)" }) else {
                throw FixtureError(description: "no probe")
            }
            result.append(try engine.evaluate(probe.expression, profile: id, file: "traits.yaml"))
        }
        return result
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
