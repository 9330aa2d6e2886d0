import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import StrataRuntime
import StrataStore

/// `strata signals`: ranks behaviours by how the rate of an outcome differs with and without them.
struct SignalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signals",
        abstract: "Rank behaviours by how an outcome's rate differs with and without them.",
        discussion: """
            Behaviours are read as of --as-of over the prior 30 days: for every event name, did it, did it at \
            least the count that starts each quartile of those who did, and did it with one of the 3 most \
            common values of each of its properties with at most 20 distinct values. The outcome (a \
            condition, usually with `next D`) is read over (as-of, as-of + D]. Rates carry 95% Wilson \
            intervals, the lift (rate with / rate without) a 95% log-ratio interval. Rows are ranked by how \
            far the lift's interval lies from 1. See docs/models.md.
            """)

    @OptionGroup var workspaceOptions: WorkspaceOptions

    @Option(help: "The outcome, a condition such as 'did(\"Plan Upgraded\", next 30d)'.")
    var outcome: String

    @Option(help: "Only profiles for which this condition holds as of --as-of (default: every profile).")
    var population: String?

    @Option(
        name: .customLong("as-of"),
        help: "The instant behaviours are read at (default: the latest event minus the outcome's horizon).")
    var asOf: InstantArgument?

    @Option(help: "Leave out behaviours with fewer profiles than this with, or without, them.")
    var minSupport = 30

    @Option(help: "How many rows to print.")
    var limit = 25

    /// How far back behaviours look.
    static let lookback = "last 30d"
    /// Properties with more distinct values than this (in the lookback) are not candidates.
    static let maximumDistinctValues = 20
    /// Values per property that become candidates.
    static let valuesPerProperty = 3

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1, found \(limit)") }
        guard minSupport >= 0 else { throw ValidationError("--min-support must be 0 or more, found \(minSupport)") }
    }

    func run() async throws {
        let session = try await openSession(try openRuntime(try workspaceOptions.load()))
        let store = session.store
        let definitions = session.definitions
        let statistics = try await store.statistics()
        let checker = Checker(symbols: Self.symbols(definitions, events: statistics.eventNames))
        let outcomeExpr = try Self.check(checker, outcome, flag: "--outcome", role: .modelLabel)
        let populationExpr = try population.map { try Self.check(checker, $0, flag: "--population", role: .population) }
        let horizon = TrainingSnapshot.horizon(of: outcomeExpr)
        guard let instant = asOf?.milliseconds ?? statistics.lastEvent.map({ $0 - horizon }) else {
            throw CommandError("the store holds no events: import some first (see `strata import`)")
        }
        let values = try Self.commonValues(store, from: instant - 30 * 86_400_000, through: instant)
        let candidates = Self.candidates(events: statistics.eventNames, values: values).compactMap { text in
            checker.check(text, role: .computedTrait).expression.map { (text: text, expr: $0) }
        }
        var needs = DataNeeds(definitions: definitions)
        needs.add(outcomeExpr, scope: .users)
        if let populationExpr { needs.add(populationExpr, scope: .users) }
        for candidate in candidates { needs.add(candidate.expr, scope: .users) }
        var builders = [instant, instant + horizon].map { TimelineBuilder(asOf: $0, needs: needs) }
        _ = try session.scanShowingProgress(into: &builders)
        let features = builders[0].build()
        let outcomes = builders[1].build()
        let rows: [Signals.Row]
        let outcomeFlags: [Bool]
        do throws(EngineError) {
            let engine = session.engine(over: features, now: instant)
            let outcomeEngine = session.engine(over: outcomes, now: instant)
            let members = try populationExpr.map { expression throws(EngineError) in
                try engine.evaluate(expression, file: "--population").map(\.isTrue)
            }
            let labels = try outcomeEngine.evaluate(outcomeExpr, file: "--outcome")
            var profiles: [Int] = []
            var flags: [Bool] = []
            for (profile, id) in features.users.ids.enumerated() where members?[profile] ?? true {
                guard let index = outcomes.userIndex(forID: id) else { continue }
                profiles.append(profile)
                flags.append(labels[index].isTrue)
            }
            outcomeFlags = flags
            var all: [Signals.Row] = []
            for candidate in candidates {
                let values = try engine.evaluate(candidate.expr).map { $0.rankable ?? 0 }
                let picked = profiles.map { values[$0] }
                all += Self.rows(candidate.text, values: picked, outcomes: flags)
            }
            rows = all
        } catch {
            throw CommandError(error.description)
        }
        print(Self.report(rows, outcome: outcome, instant: instant, outcomes: outcomeFlags, options: self))
    }

    /// The names ad-hoc expressions may read: the workspace's definitions and the store's events.
    static func symbols(_ definitions: Definitions, events: [String]) -> Symbols {
        Symbols(
            segments: Dictionary(definitions.segments.map { ($0.name, $0.of) }, uniquingKeysWith: { a, _ in a }),
            scores: Set(definitions.scores.map(\.name)), stages: Set(definitions.stageModels.map(\.name)),
            computed: Dictionary(
                definitions.computedTraits.map { ($0.name, $0.expression.type) }, uniquingKeysWith: { a, _ in a }),
            events: events.isEmpty ? nil : Set(events))
    }

    /// Checks a flag's expression; errors name the flag as the file (`--outcome:1:5: error: ...`).
    static func check(_ checker: Checker, _ text: String, flag: String, role: ExpressionRole) throws -> TypedExpr {
        let result = checker.check(SourceText(text, file: flag), role: role)
        for diagnostic in Diagnostic.sortedForDisplay(result.diagnostics) { printError(diagnostic.description) }
        guard let expression = result.expression, !result.hasErrors else {
            throw CommandError("\(flag) is not a valid condition (see above)")
        }
        return expression
    }

    /// For each event name and top-level property, how many track events in (from, through] carried
    /// each string or bool value.
    static func commonValues(
        _ store: any Store, from: Int64, through: Int64
    ) throws
        -> [String: [String: [String: Int]]]
    {
        var tally: [String: [String: [String: Int]]] = [:]
        do {
            try store.forEachMessage(includingContext: false) { _, message in
                guard message.kind == .track, let name = message.event, message.time > from, message.time <= through
                else { return }
                for (key, value) in message.properties {
                    let text: String
                    switch value {
                    case .string(let s): text = "\"\(s)\""
                    case .bool(let b): text = b ? "true" : "false"
                    default: continue
                    }
                    tally[name, default: [:]][key, default: [:]][text, default: 0] += 1
                }
            }
        } catch {
            throw CommandError("cannot read the store: \(error)")
        }
        return tally
    }

    /// The candidate expressions: per event name, its count over the lookback, and `did` with each of
    /// the most common values of its properties that have few distinct values. Names and values that
    /// cannot be written as literals are skipped (and any text the checker refuses is dropped).
    static func candidates(events: [String], values: [String: [String: [String: Int]]]) -> [String] {
        var result: [String] = []
        for name in events.sorted() where isLiteral(name) {
            result.append("count(\"\(name)\", \(lookback))")
            for (key, counts) in (values[name] ?? [:]).sorted(by: { $0.key < $1.key })
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
    private static func isLiteral(_ text: String) -> Bool {
        !text.isEmpty && !text.dropFirst().dropLast().contains { $0 == "\"" || $0 == "\\" || $0.isNewline }
    }

    /// The rows of one candidate: a count gives `did` and one row per quartile threshold; a condition
    /// gives one row.
    static func rows(_ text: String, values: [Double], outcomes: [Bool]) -> [Signals.Row] {
        guard text.hasPrefix("count(") else {
            return [Signals.Row(behaviour: text, flags: values.map { $0 > 0 }, outcomes: outcomes)]
        }
        let did = "did" + text.dropFirst("count".count)
        var rows = [Signals.Row(behaviour: did, flags: values.map { $0 >= 1 }, outcomes: outcomes)]
        for threshold in Signals.quartileThresholds(values) {
            rows.append(
                Signals.Row(
                    behaviour: "\(text) >= \(Value.format(threshold))", flags: values.map { $0 >= threshold },
                    outcomes: outcomes))
        }
        return rows
    }

    /// The ranked table.
    static func report(
        _ rows: [Signals.Row], outcome: String, instant: Int64, outcomes: [Bool], options: SignalsCommand
    ) -> String {
        let base = Signals.Group(profiles: outcomes.count, positives: outcomes.filter { $0 }.count)
        var lines = [
            "outcome \(outcome) as of \(Instant.format(instant)): \(grouped(base.profiles)) profiles, rate "
                + "\(rate(base))",
            "behaviours over the \(lookback) before; 95% intervals: Wilson for rates, log-ratio for lift",
            "",
        ]
        let ranked = Signals.ranked(rows, minimumSupport: options.minSupport)
        var table = [["behaviour", "support", "rate with", "rate without", "lift"]]
        for row in ranked.prefix(options.limit) {
            let share = base.profiles == 0 ? 0 : 100 * Double(row.with.profiles) / Double(base.profiles)
            let lift =
                row.lift.map { lift in
                    String(format: "%.2f", lift)
                        + (row.liftInterval.map { String(format: " [%.2f, %.2f]", $0.lowerBound, $0.upperBound) }
                            ?? "")
                } ?? "n/a"
            table.append([
                row.behaviour, "\(grouped(row.with.profiles)) (\(String(format: "%.1f%%", share)))", rate(row.with),
                rate(row.without), lift,
            ])
        }
        lines.append(alignedTable(table))
        if ranked.count > options.limit { lines.append("(\(ranked.count - options.limit) more; see --limit)") }
        if ranked.isEmpty { lines.append("(no behaviour has \(options.minSupport) profiles with and without it)") }
        return lines.joined(separator: "\n")
    }

    /// A rate and its interval: `12.3% [10.1, 14.8]`.
    private static func rate(_ group: Signals.Group) -> String {
        guard let rate = group.rate, let interval = group.interval else { return "n/a" }
        return String(
            format: "%.1f%% [%.1f, %.1f]", 100 * rate, 100 * interval.lowerBound, 100 * interval.upperBound)
    }
}
