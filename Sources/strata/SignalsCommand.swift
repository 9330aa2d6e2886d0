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

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1, found \(limit)") }
        guard minSupport >= 0 else { throw ValidationError("--min-support must be 0 or more, found \(minSupport)") }
    }

    func run() async throws {
        let session = try await openSession(try openRuntime(try workspaceOptions.load()))
        let statistics = try await session.store.statistics()
        let checker = Checker(symbols: Signals.symbols(session.definitions, events: statistics.eventNames))
        let outcomeExpr = try Self.check(checker, outcome, flag: "--outcome", role: .modelLabel)
        let populationExpr = try population.map { try Self.check(checker, $0, flag: "--population", role: .population) }
        let result = try session.showingProgress { progress throws(SessionError) in
            try session.signals(
                outcome: outcomeExpr, population: populationExpr, asOf: asOf?.milliseconds, statistics: statistics,
                progress: progress)
        }
        print(
            Self.report(
                result.rows, outcome: outcome, instant: result.instant, outcomes: result.outcomes, options: self))
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

    /// The ranked table.
    static func report(
        _ rows: [Signals.Row], outcome: String, instant: Int64, outcomes: [Bool], options: SignalsCommand
    ) -> String {
        let base = Signals.Group(profiles: outcomes.count, positives: outcomes.filter { $0 }.count)
        var lines = [
            "outcome \(outcome) as of \(Instant.format(instant)): \(grouped(base.profiles)) profiles, rate "
                + "\(rate(base))",
            "behaviours over the \(Signals.lookback) before; 95% intervals: Wilson for rates, log-ratio for lift",
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
