import ArgumentParser
import Foundation
import StrataCore
import StrataEngine
import StrataRuntime

/// `strata report`: retention, conversion, overlap, sizes, decay and funnels of segments.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Measure segments: retention, conversion, overlap, sizes over time, decay and funnels.",
        discussion: """
            Every proportion carries its 95% Wilson interval; differences Newcombe's; decay is Kaplan-Meier \
            with Greenwood's variance. --format csv and json carry the counts. See docs/reports.md.
            """,
        subcommands: [
            Retention.self, Conversion.self, Overlap.self, Sizes.self, Decay.self, Funnel.self, Lift.self,
        ])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, csv, json
    }

    /// The options every report takes.
    struct Common: ParsableArguments {
        @OptionGroup var workspaceOptions: WorkspaceOptions

        @Option(name: .customLong("as-of"), help: "The report's instant (ISO 8601 or a date; default: now).")
        var asOf: InstantArgument?

        @Option(help: "Output format: table, csv or json.")
        var format: Format = .table

        var instant: Int64 { asOf?.milliseconds ?? currentInstant() }

        /// The workspace's session (``openSession(_:leavingOutBroken:)``).
        func session(leavingOutBroken: Bool = false) async throws -> EvaluationSession {
            try await openSession(try openRuntime(try workspaceOptions.load()), leavingOutBroken: leavingOutBroken)
        }

        /// Opens the session, makes a report with it (with a progress bar of the store's messages read, on
        /// a terminal) and prints it; with `leavingOutBroken`, the broken definitions are left out and the
        /// command exits 1 after printing (``EvaluationSession/requireNoErrors()``).
        func report(
            leavingOutBroken: Bool = false, pretty: (ReportTable) -> String = plain,
            _ make: (EvaluationSession, (Int) -> Void) async throws(SessionError) -> ReportTable
        ) async throws {
            let session = try await session(leavingOutBroken: leavingOutBroken)
            let table = try await ReportCommand.run { () async throws(SessionError) in
                try await withProgress(session) { progress throws(SessionError) in try await make(session, progress) }
            }
            print(table, pretty: pretty)
            try session.requireNoErrors()
        }

        /// Runs a report with a progress bar of the messages read (each pass over the store starts it again).
        func withProgress<T>(
            _ session: EvaluationSession, _ body: (@escaping (Int) -> Void) async throws(SessionError) -> T
        ) async throws(SessionError) -> T {
            let bar = ProgressBar()
            defer { bar.finish() }
            let total = Int64(max(session.messages, 1))
            return try await body { count in
                bar.update(done: Int64(count), total: max(total, Int64(count)), items: count, unit: "msgs")
            }
        }

        /// Prints a report in the chosen format; `table` prints what `pretty` makes of it.
        func print(_ table: ReportTable, pretty: (ReportTable) -> String) {
            var out = OutputBuffer()
            switch format {
            case .table: out.line(pretty(table))
            case .csv: out.line(String(table.csv.dropLast()))
            case .json: out.line(JSONWriter.string(table.json))
            }
            out.flush()
        }
    }

    /// The cohort options of retention and conversion.
    struct CohortFlags: ParsableArguments {
        @Option(help: "Day 0: first-seen (each member's first event) or entry (its first entry in the range).")
        var anchor: CohortAnchor = .firstSeen

        @Option(help: "The start of the range of day 0s (inclusive; default: all time).")
        var from: InstantArgument?

        @Option(help: "The end of the range of day 0s (exclusive; default: all time).")
        var to: InstantArgument?

        @Flag(inversion: .prefixedNo, help: "Add the row of every profile, anchored at first seen.")
        var baseline = true

        var options: CohortOptions {
            CohortOptions(anchor: anchor, from: from?.milliseconds, to: to?.milliseconds, baseline: baseline)
        }
    }

    /// The `--days` list: whole numbers separated by commas (their order and range are the report's to
    /// check).
    static func days(_ text: String) throws -> [Int] {
        let days = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !days.isEmpty, days.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--days: expected whole numbers separated by commas, found \"\(text)\"")
        }
        return days.compactMap { $0 }
    }

    /// Runs a session call, reporting its failure as the command's.
    static func run<T>(_ body: () async throws(SessionError) -> T) async throws -> T {
        do throws(SessionError) {
            return try await body()
        } catch {
            throw reported(error)
        }
    }

    struct Retention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retention by segment: who comes back on day N, against the baseline.")

        @OptionGroup var common: Common
        @OptionGroup var cohorts: CohortFlags

        @Argument(help: "The segments.")
        var segments: [String]

        @Option(name: .customLong("return"), help: "The events that count as coming back (default: any).")
        var returns = "any"

        @Option(parsing: .unconditional, help: "The days, comma-separated.")
        var days = "1,7,30,90"

        @Option(help: "on: a return within day N; on-or-after: one at or after day N.")
        var mode: Cohorts.Mode = .on

        @Option(help: "The day pairs of rows are compared at.")
        var compareDay = 30

        func run() async throws {
            let dayList = try ReportCommand.days(days)
            let session = try await common.session()
            let report = try await ReportCommand.run { () async throws(SessionError) in
                try await common.withProgress(session) { progress throws(SessionError) in
                    try await session.retention(
                        segments: segments, cohorts: cohorts.options, returns: returns, days: dayList, mode: mode,
                        compareDay: compareDay, asOf: common.instant, clickHouse: try session.clickHouseAccess(),
                        progress: progress)
                }
            }
            common.print(report.table) { _ in Self.pretty(report) }
        }

        /// The seed's table: one row per cohort, a shaded cell per day (`*` partial), then the pairs.
        static func pretty(_ report: RetentionReport) -> String {
            guard let first = report.rows.first else { return "no cohorts" }
            var table = [["cohort", "size"] + first.cells.map { "day \($0.day)" }]
            for row in report.rows {
                table.append(
                    [
                        row.cohort == "baseline" ? "all profiles (baseline)" : row.cohort,
                        grouped(row.cells.first?.size ?? 0),
                    ]
                        + row.cells.map { cell in
                            guard let rate = cell.proportion.rate else { return "" }
                            return shade(rate) + " " + String(format: "%.0f%%", 100 * rate) + (cell.partial ? "*" : " ")
                        })
            }
            var lines = [
                "retention as of \(Instant.format(report.asOf)); shade: the rate (░ <25%, ▒ <50%, ▓ <75%, █ 75%+)", "",
            ]
            lines += alignedLines(table)
            if report.rows.contains(where: { $0.cells.contains { $0.partial } }) {
                lines.append("* not every member has reached that day: the cell counts only those who have")
            }
            if !report.pairs.isEmpty {
                lines += ["", "day \(report.compareDay): differences with Newcombe's 95% interval"]
                lines += alignedLines(
                    report.pairs.map { pair in
                        [
                            "\(pair.a) - \(pair.b)",
                            String(
                                format: "%+.1f pp [%+.1f, %+.1f]", 100 * pair.difference,
                                100 * pair.interval.lowerBound, 100 * pair.interval.upperBound),
                            pair.cosmetic ? "cosmetic (under 15 pp)" : "",
                        ]
                    }, indent: "  ")
            }
            // Cells and flags left empty pad nothing at the end of a line.
            return lines.map { line in String(line.reversed().drop { $0 == " " }.reversed()) }
                .joined(separator: "\n")
        }
    }

    struct Conversion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Conversion by segment: a goal event within a span of day 0, with lift over the baseline.")

        @OptionGroup var common: Common
        @OptionGroup var cohorts: CohortFlags

        @Argument(help: "The segments.")
        var segments: [String]

        @Option(help: "The goal events, such as '\"Order Completed\"'.")
        var goal: String

        @Option(help: "How long after day 0 a goal counts.")
        var within = DurationArgument(days: 30)

        func run() async throws {
            try await common.report { session, progress throws(SessionError) in
                try await session.conversion(
                    segments: segments, cohorts: cohorts.options, goal: goal, within: within.milliseconds,
                    asOf: common.instant, clickHouse: try session.clickHouseAccess(), progress: progress)
            }
        }
    }

    struct Overlap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How segments share members: intersections, Jaccard, containment and exclusive combinations.")

        @OptionGroup var common: Common

        @Argument(help: "The segments (two or more, of one kind).")
        var segments: [String]

        @Option(help: "The matrix shown: count, jaccard or containment (row over column).")
        var metric = "count"

        func validate() throws {
            guard ["count", "jaccard", "containment"].contains(metric) else {
                throw ValidationError("--metric: expected count, jaccard or containment, found \"\(metric)\"")
            }
        }

        func run() async throws {
            try await common.report(pretty: { Self.pretty($0, segments: segments, metric: metric) }) {
                session, progress throws(SessionError) in
                try await session.overlap(
                    segments: segments, asOf: common.instant, clickHouse: try session.clickHouseAccess(),
                    progress: progress)
            }
        }

        /// The matrix of the metric, shaded by its share of the largest off-diagonal value, then the
        /// exclusive combinations.
        static func pretty(_ table: ReportTable, segments: [String], metric: String) -> String {
            let column = table.columns.firstIndex(of: metric) ?? 2
            var values: [String: Double] = [:]
            for row in table.rows {
                if case .string(let a) = row[0], case .string(let b) = row[1], case .number(let value) = row[column] {
                    values[a + "\u{0}" + b] = value
                }
            }
            let largest = values.values.max() ?? 0
            var grid = [[""] + segments]
            for a in segments {
                grid.append(
                    [a]
                        + segments.map { b in
                            guard a != b, let value = values[a + "\u{0}" + b] else { return "-" }
                            let text = metric == "count" ? grouped(Int(value)) : String(format: "%.2f", value)
                            return shade(largest > 0 ? value / largest : 0) + " " + text
                        })
            }
            var lines = ["\(metric) (row, column); shade: share of the largest"] + alignedLines(grid)
            if case .array(let combinations)? = table.settings["exclusive"] {
                lines += ["", "exclusive combinations, largest first"]
                lines += alignedLines(
                    combinations.prefix(15).compactMap { item in
                        guard case .object(let fields) = item, case .array(let names)? = fields["segments"],
                            case .number(let count)? = fields["count"]
                        else { return nil }
                        return [names.compactMap(\.stringValue).joined(separator: " & "), grouped(Int(count))]
                    }, indent: "  ")
            }
            return lines.joined(separator: "\n")
        }
    }

    struct Sizes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Member counts over time, with entries and exits between instants.")

        @OptionGroup var common: Common

        @Argument(help: "The segments.")
        var segments: [String]

        @Option(help: "The first instant.")
        var from: InstantArgument

        @Option(help: "The last instant (inclusive).")
        var to: InstantArgument

        @Option(help: "The step between instants.")
        var every = DurationArgument(days: 1)

        @Option(help: "auto (the change log where it covers an instant, else evaluation), log or evaluation.")
        var source: SizeSource = .auto

        func run() async throws {
            try await common.report { session, progress throws(SessionError) in
                try await session.sizes(
                    segments: segments, from: from.milliseconds, to: to.milliseconds, every: every.milliseconds,
                    source: source, clickHouse: try session.clickHouseAccess(), progress: progress)
            }
        }
    }

    struct Decay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How long profiles stay in segments: Kaplan-Meier over the recorded stays.")

        @OptionGroup var common: Common

        @Argument(help: "The segments.")
        var segments: [String]

        @Option(parsing: .unconditional, help: "The days, comma-separated.")
        var days = "1,7,30,90"

        func run() async throws {
            let dayList = try ReportCommand.days(days)
            try await common.report { session, _ throws(SessionError) in
                try await session.decay(segments: segments, days: dayList, asOf: common.instant)
            }
        }
    }

    struct Funnel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Funnels: who did each step after the one before, within a span of the first.")

        @OptionGroup var common: Common

        @Argument(help: "The steps, each an event selection such as '\"Signed Up\"'.")
        var steps: [String]

        @Option(help: "How long after a profile's first step the last may come.")
        var within = DurationArgument(days: 7)

        @Option(help: "Segments to break the funnel down by (repeatable).")
        var by: [String] = []

        func run() async throws {
            try await common.report { session, progress throws(SessionError) in
                try await session.funnel(
                    steps: steps, within: within.milliseconds, by: by, asOf: common.instant,
                    clickHouse: try session.clickHouseAccess(), progress: progress)
            }
        }
    }
}

extension ReportCommand {
    struct Lift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The lift of an activation: treated against held-out and control, with a z-test.")

        @OptionGroup var common: Common

        @Argument(help: "The activation.")
        var activation: String

        @Option(help: "The goal events (default: the activation's goal).")
        var goal: String?

        @Option(help: "How long after the change a goal counts (default: the activation's conversion_window).")
        var within: DurationArgument?

        func run() async throws {
            let note =
                "differences and p-values need \(EvaluationSession.liftMinimum) profiles or more in each group: "
                + "\"not enough data\" otherwise (empty cells)"
            try await common.report(pretty: { plain($0) + "\n" + note }) { session, progress throws(SessionError) in
                try await session.lift(
                    activation: activation, goal: goal, within: within?.milliseconds, asOf: common.instant,
                    clickHouse: try session.clickHouseAccess(), progress: progress)
            }
        }
    }
}

/// A shade for a share in [0, 1]: ░ under a quarter, ▒ under a half, ▓ under three quarters, █ above.
func shade(_ share: Double) -> String {
    ["░", "▒", "▓", "█"][min(3, max(0, Int(share * 4)))]
}

/// A report table as aligned text: fractions as percentages with one decimal.
func plain(_ table: ReportTable) -> String {
    let fractions: Set<String> = [
        "rate", "low", "high", "lift", "lift_low", "lift_high", "jaccard", "containment", "survival",
        "rate_from_previous", "rate_from_first", "difference", "difference_low", "difference_high", "relative_lift",
    ]
    var rows = [table.columns]
    for row in table.rows {
        rows.append(
            zip(table.columns, row).map { column, value in
                switch value {
                case .null: return ""
                case .number(let number):
                    if column.hasPrefix("lift") { return String(format: "%.2f", number) }
                    if column == "p_value" { return String(format: "%.4f", number) }
                    return fractions.contains(column)
                        ? String(format: "%.1f%%", 100 * number)
                        : (number == number.rounded() ? grouped(Int(number)) : String(format: "%.2f", number))
                case .string(let text): return text
                case .bool(let flag): return flag ? "yes" : ""
                default: return JSONWriter.string(value)
                }
            })
    }
    return alignedLines(rows).joined(separator: "\n")
}

extension CohortAnchor: ExpressibleByArgument {}
extension Cohorts.Mode: ExpressibleByArgument {}
extension SizeSource: ExpressibleByArgument {}
