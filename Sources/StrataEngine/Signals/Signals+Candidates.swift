import StrataCore
import StrataLanguage

extension Signals {
    /// How far back behaviours look.
    public static let lookback = "last 30d"
    /// The lookback in milliseconds.
    public static let lookbackMilliseconds: Int64 = 30 * 86_400_000
    /// Properties with more distinct values than this (in the lookback) are not candidates.
    public static let maximumDistinctValues = 20
    /// Values per property that become candidates.
    public static let valuesPerProperty = 3

    /// For each event name and top-level property, how many track events in a period carried each
    /// string or bool value (as a literal of the language: `"pro"`, `true`).
    public struct ValueTally: Sendable {
        /// The period: after `from`, up to and including `through`.
        public let from: Int64
        /// See ``from``.
        public let through: Int64
        /// Counts by event name, property and value.
        public private(set) var counts: [String: [String: [String: Int]]] = [:]

        /// An empty tally of the period (from, through].
        public init(from: Int64, through: Int64) {
            self.from = from
            self.through = through
        }

        /// Counts a message's values when it is a track event inside the period.
        public mutating func add(_ message: Message) {
            guard message.kind == .track, let name = message.event, message.time > from, message.time <= through
            else { return }
            for (key, value) in message.properties {
                let text: String
                switch value {
                case .string(let s): text = "\"\(s)\""
                case .bool(let b): text = b ? "true" : "false"
                default: continue
                }
                counts[name, default: [:]][key, default: [:]][text, default: 0] += 1
            }
        }
    }

    /// The candidate expressions: per event name, its count over the lookback, and `did` with each of
    /// the most common values of its properties that have few distinct values. Names and values that
    /// cannot be written as literals are skipped (and any text the checker refuses is dropped later).
    public static func candidates(events: [String], values: ValueTally) -> [String] {
        var result: [String] = []
        for name in events.sorted() where isLiteral(name) {
            result.append("count(\"\(name)\", \(lookback))")
            for (key, counts) in (values.counts[name] ?? [:]).sorted(by: { $0.key < $1.key })
            where counts.count <= maximumDistinctValues && isLiteral(key) {
                let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                for (value, _) in top.prefix(valuesPerProperty) where isLiteral(value) {
                    result.append("did(\"\(name)\" where \(key) = \(value), \(lookback))")
                }
            }
        }
        return result
    }

    /// Text that can sit between quotes without escapes.
    static func isLiteral(_ text: String) -> Bool {
        !text.isEmpty && !text.dropFirst().dropLast().contains { $0 == "\"" || $0 == "\\" || $0.isNewline }
    }

    /// The rows of one candidate: a count gives `did` and one row per quartile threshold; a condition
    /// gives one row.
    public static func rows(_ text: String, values: [Double], outcomes: [Bool]) -> [Row] {
        guard text.hasPrefix("count(") else {
            return [Row(behaviour: text, flags: values.map { $0 > 0 }, outcomes: outcomes)]
        }
        let did = "did" + text.dropFirst("count".count)
        var rows = [Row(behaviour: did, flags: values.map { $0 >= 1 }, outcomes: outcomes)]
        for threshold in quartileThresholds(values) {
            rows.append(
                Row(
                    behaviour: "\(text) >= \(Value.format(threshold))", flags: values.map { $0 >= threshold },
                    outcomes: outcomes))
        }
        return rows
    }

    /// The names ad-hoc expressions may read: the workspace's definitions and the store's events.
    public static func symbols(_ definitions: Definitions, events: [String]) -> Symbols {
        Symbols(
            segments: Dictionary(definitions.segments.map { ($0.name, $0.of) }, uniquingKeysWith: { a, _ in a }),
            scores: Set(definitions.scores.map(\.name)), stages: Set(definitions.stageModels.map(\.name)),
            computed: Dictionary(
                definitions.computedTraits.map { ($0.name, $0.expression.type) }, uniquingKeysWith: { a, _ in a }),
            events: events.isEmpty ? nil : Set(events))
    }

    /// Every candidate's rows over the profiles of the population (all when nil) that the outcome's
    /// timelines hold, and those profiles' outcomes.
    ///
    /// - Parameters:
    ///   - features: the engine as of the instant behaviours are read at.
    ///   - outcomes: the engine over timelines as of the instant plus the outcome's horizon.
    public static func evaluate(
        _ candidates: [(text: String, expression: TypedExpr)], outcome: TypedExpr, population: TypedExpr?,
        features: Engine, outcomes: Engine
    ) throws(EngineError) -> (rows: [Row], outcomes: [Bool]) {
        let members = try population.map { expression throws(EngineError) in
            try features.evaluate(expression, file: "--population").map(\.isTrue)
        }
        let labels = try outcomes.evaluate(outcome, file: "--outcome")
        var profiles: [Int] = []
        var flags: [Bool] = []
        for (profile, id) in features.population.users.ids.enumerated() where members?[profile] ?? true {
            guard let index = outcomes.population.userIndex(forID: id) else { continue }
            profiles.append(profile)
            flags.append(labels[index].isTrue)
        }
        var rows: [Row] = []
        for candidate in candidates {
            let values = try features.evaluate(candidate.expression).map { $0.rankable ?? 0 }
            rows += Self.rows(candidate.text, values: profiles.map { values[$0] }, outcomes: flags)
        }
        return (rows, flags)
    }
}
