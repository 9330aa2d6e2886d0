import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// Where a cohort member's day 0 is.
public enum CohortAnchor: String, Sendable, CaseIterable {
    /// Its first track, page or screen event; the cohort is the segment's members as of the report's
    /// instant first seen in the range.
    case firstSeen = "first-seen"
    /// Its first recorded entry into the segment in the range.
    case entry
}

/// Which profiles a retention or conversion report follows, and from when.
public struct CohortOptions: Sendable {
    /// Where day 0 is.
    public var anchor: CohortAnchor
    /// The start of the range of anchors (inclusive), nil for all time.
    public var from: Int64?
    /// The end of the range (exclusive), nil for all time.
    public var to: Int64?
    /// Whether a baseline row of every profile (anchored at first seen) is added.
    public var baseline: Bool

    /// Options; by default first seen, all time, with the baseline.
    public init(anchor: CohortAnchor = .firstSeen, from: Int64? = nil, to: Int64? = nil, baseline: Bool = true) {
        self.anchor = anchor
        self.from = from
        self.to = to
        self.baseline = baseline
    }
}

/// A report as rows of named columns (the CSV and JSON forms), with the settings it was computed under.
public struct ReportTable: Sendable {
    /// The column names, in order.
    public var columns: [String]
    /// The rows, one value per column.
    public var rows: [[JSONValue]]
    /// The report's settings (instant, anchor, days, ...).
    public var settings: [String: JSONValue]

    /// `{"rows": [{column: value}], settings...}`.
    public var json: JSONValue {
        var object = settings
        object["rows"] = .array(
            rows.map { row in .object(Dictionary(uniqueKeysWithValues: zip(columns, row).map { ($0, $1) })) })
        return .object(object)
    }

    /// A header row and one line per row; numbers in full, missing values empty.
    public var csv: String {
        ([columns.joined(separator: ",")] + rows.map { row in row.map(Self.csvField).joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    static func csvField(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return JSONWriter.string(.number(number))
        case .string(let text): return CSV.field(text)
        case .array, .object: return CSV.field(JSONWriter.string(value))
        }
    }
}

/// A retention report: one row of cells per cohort, and the pairs compared at one day.
public struct RetentionReport: Sendable {
    /// A compared pair of cohorts.
    public struct Pair: Sendable {
        /// The first cohort.
        public var a: String
        /// The second.
        public var b: String
        /// a's rate minus b's at the compared day, with Newcombe's interval.
        public var difference: Double
        /// The interval.
        public var interval: ClosedRange<Double>
        /// Whether the difference is under 15 percentage points.
        public var cosmetic: Bool { abs(difference) < Cohorts.cosmeticDifference }
    }

    /// The report's instant.
    public var asOf: Int64
    /// The cohorts in order (segments, then `baseline`), each with its cells by day.
    public var rows: [(cohort: String, cells: [Cohorts.Cell])]
    /// The day pairs are compared at.
    public var compareDay: Int
    /// Every pair of rows whose cells at the compared day are both non-empty.
    public var pairs: [Pair]
    /// How long it took.
    public var timing: ReportTiming

    /// The spec's columns: cohort, day, size, eligible, returned, rate, low, high, partial.
    public var table: ReportTable {
        ReportTable(
            columns: ["cohort", "day", "size", "eligible", "returned", "rate", "low", "high", "partial"],
            rows: rows.flatMap { row in
                row.cells.map { cell in
                    [
                        .string(row.cohort), .number(Double(cell.day)), .number(Double(cell.size)),
                        .number(Double(cell.eligible)), .number(Double(cell.returned)),
                    ] + ReportValues.rate(cell.proportion) + [.bool(cell.partial)]
                }
            },
            settings: [
                "as_of": .string(Instant.format(asOf)), "compare_day": .number(Double(compareDay)),
                "timing": timing.json,
                "pairs": .array(
                    pairs.map {
                        .object([
                            "a": .string($0.a), "b": .string($0.b), "difference": ReportValues.fraction($0.difference),
                            "low": ReportValues.fraction($0.interval.lowerBound),
                            "high": ReportValues.fraction($0.interval.upperBound), "cosmetic": .bool($0.cosmetic),
                        ])
                    }),
            ])
    }
}

/// How long a report took: reading the store into timelines, and the rest (evaluating the segments
/// and counting), in seconds.
public struct ReportTiming: Sendable {
    /// Reading the store and building the timelines.
    public var loadSeconds: Double
    /// The whole report.
    public var totalSeconds: Double

    /// `{"load_seconds", "evaluate_seconds"}`.
    public var json: JSONValue {
        .object([
            "load_seconds": .number((loadSeconds * 1000).rounded() / 1000),
            "evaluate_seconds": .number(((totalSeconds - loadSeconds) * 1000).rounded() / 1000),
        ])
    }
}

/// How report values are written: fractions with 6 decimals, missing as null.
enum ReportValues {
    static func fraction(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number((value * 1_000_000).rounded() / 1_000_000)
    }

    /// rate, low, high of a proportion (nulls when it is empty).
    static func rate(_ proportion: Statistics.Proportion) -> [JSONValue] {
        [
            fraction(proportion.rate), fraction(proportion.interval?.lowerBound),
            fraction(proportion.interval?.upperBound),
        ]
    }
}

extension EvaluationSession {
    /// Checks an event selection written as in the language (`"Logged In"`, `any where plan = "pro"`);
    /// errors name the flag and the column within it.
    public func selector(
        _ text: String, flag: String
    ) throws(SessionError) -> (selector: EventSelector, needs: TypedExpr) {
        let checker = Checker(symbols: Signals.symbols(definitions, events: []))
        let result = checker.check(SourceText("did(\(text))", file: flag), role: .population)
        let diagnostics = result.diagnostics.map { diagnostic in
            var shifted = diagnostic
            shifted.range.start.column = max(1, shifted.range.start.column - 4)
            shifted.range.end.column = max(1, shifted.range.end.column - 4)
            return shifted
        }
        guard let expression = result.expression, !result.hasErrors,
            case .aggregate(let aggregate) = expression.node, aggregate.function == .did
        else {
            throw SessionError(
                .invalidArgument, "\(flag) is not an event selection such as \"Logged In\" or any where plan = \"pro\"",
                diagnostics: diagnostics)
        }
        return (aggregate.selector, expression)
    }

    /// Retention by segment (reports spec, section 1). With `clickHouse` (a workspace with `store:
    /// clickhouse`), the counts are made inside ClickHouse once it is up to date (``ClickHouseAccess``)
    /// (``StrataClickHouse/Evaluator/retention(_:days:mode:flag:asOf:)``); the rates, intervals and pairs
    /// are worked out from them here either way.
    public func retention(
        segments names: [String], cohorts options: CohortOptions, returns: String, days: [Int],
        mode: Cohorts.Mode, compareDay: Int, asOf instant: Int64, clickHouse: ClickHouseAccess? = nil,
        progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> RetentionReport {
        let (selector, expression) = try selector(returns, flag: "--return")
        try Self.checkDays(days)
        let started = ContinuousClock.now
        let rows: [(cohort: String, cells: [Cohorts.Cell])]
        let loadSeconds: Double
        // The engine holds the timelines until the report is counted: freeing them belongs to loading.
        var engine: Engine?
        if let clickHouse {
            let query = try cohortQuery(names, options: options, events: selector, needs: expression)
            let cells = try await evaluated(clickHouse) { evaluator in
                try await evaluator.retention(query, days: days, mode: mode, flag: "--return", asOf: instant)
            }
            rows = zip(Self.cohortNames(names, options), cells).map { (cohort: $0, cells: $1) }
            loadSeconds = 0
        } else {
            let (cohorts, events, evaluated, seconds) = try await self.cohorts(
                names, options: options, events: selector, needs: expression, asOf: instant, progress: progress)
            rows = cohorts.map {
                (
                    cohort: $0.name,
                    cells: Cohorts.retention($0.members, events: events, days: days, mode: mode, asOf: instant)
                )
            }
            engine = evaluated
            loadSeconds = seconds
        }
        var pairs: [RetentionReport.Pair] = []
        for (i, a) in rows.enumerated() {
            for b in rows[(i + 1)...] {
                guard let cellA = a.cells.first(where: { $0.day == compareDay }),
                    let cellB = b.cells.first(where: { $0.day == compareDay }),
                    let (difference, interval) = Cohorts.difference(cellA, cellB)
                else { continue }
                pairs.append(RetentionReport.Pair(a: a.cohort, b: b.cohort, difference: difference, interval: interval))
            }
        }
        let timing = ReportTiming(loadSeconds: loadSeconds, totalSeconds: (ContinuousClock.now - started).seconds)
        withExtendedLifetime(engine) {}
        return RetentionReport(asOf: instant, rows: rows, compareDay: compareDay, pairs: pairs, timing: timing)
    }

    /// Conversion by segment (reports spec, section 2): columns cohort, size, eligible, converted, rate,
    /// low, high, lift, lift_low, lift_high (lift against the baseline row). With `clickHouse`, the
    /// counts are made inside ClickHouse as for ``retention(segments:cohorts:returns:days:mode:compareDay:asOf:clickHouse:progress:)``.
    public func conversion(
        segments names: [String], cohorts options: CohortOptions, goal: String, within: Int64, asOf instant: Int64,
        clickHouse: ClickHouseAccess? = nil, progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> ReportTable {
        let (selector, expression) = try selector(goal, flag: "--goal")
        try Self.checkWithin(within)
        var base = options
        base.baseline = true
        let started = ContinuousClock.now
        let results: [(name: String, size: Int, rate: Statistics.Proportion)]
        let loadSeconds: Double
        var engine: Engine?
        if let clickHouse {
            let query = try cohortQuery(names, options: base, events: selector, needs: expression)
            let counts = try await evaluated(clickHouse) { evaluator in
                try await evaluator.conversion(query, within: within, flag: "--goal", asOf: instant)
            }
            results = zip(Self.cohortNames(names, base), counts).map { (name: $0, size: $1.size, rate: $1.rate) }
            loadSeconds = 0
        } else {
            let (cohorts, events, evaluated, seconds) = try await self.cohorts(
                names, options: base, events: selector, needs: expression, asOf: instant, progress: progress)
            results = cohorts.map {
                (
                    name: $0.name, size: $0.members.count,
                    rate: Cohorts.conversion($0.members, events: events, within: within, asOf: instant)
                )
            }
            engine = evaluated
            loadSeconds = seconds
        }
        let timing = ReportTiming(loadSeconds: loadSeconds, totalSeconds: (ContinuousClock.now - started).seconds)
        withExtendedLifetime(engine) {}
        let baseline = results.last?.rate ?? Statistics.Proportion(0, of: 0)
        let shown = options.baseline ? results : Array(results.dropLast())
        return ReportTable(
            columns: [
                "cohort", "size", "eligible", "converted", "rate", "low", "high", "lift", "lift_low", "lift_high",
            ],
            rows: shown.map { result in
                let lift = result.rate.rate.flatMap { rate in baseline.rate.flatMap { $0 > 0 ? rate / $0 : nil } }
                let interval = Statistics.ratioInterval(result.rate, baseline)
                return [
                    .string(result.name), .number(Double(result.size)), .number(Double(result.rate.trials)),
                    .number(Double(result.rate.successes)),
                ] + ReportValues.rate(result.rate) + [
                    ReportValues.fraction(lift), ReportValues.fraction(interval?.lowerBound),
                    ReportValues.fraction(interval?.upperBound),
                ]
            },
            settings: [
                "as_of": .string(Instant.format(instant)), "within_ms": .number(Double(within)), "goal": .string(goal),
                "anchor": .string(options.anchor.rawValue), "timing": timing.json,
            ])
    }

    /// A funnel (reports spec, section 8): columns segment (empty for everyone), step, reached,
    /// rate_from_previous, rate_from_first, low, high (the interval of the rate from the previous step).
    /// With `clickHouse` (a workspace with `store: clickhouse`), how many reached each step is counted
    /// inside ClickHouse once it is up to date (``ClickHouseAccess``; ``StrataClickHouse/Evaluator/funnel(steps:within:by:asOf:)``);
    /// the rates and intervals are worked out from those counts here either way.
    public func funnel(
        steps texts: [String], within: Int64, by names: [String], asOf instant: Int64,
        clickHouse: ClickHouseAccess? = nil,
        progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> ReportTable {
        guard texts.count >= 2 else { throw SessionError(.invalidArgument, "a funnel needs two steps or more") }
        try Self.checkWithin(within)
        var steps: [(selector: EventSelector, source: TypedExpr)] = []
        for (index, text) in texts.enumerated() {
            let (selector, expression) = try selector(text, flag: "step \(index + 1)")
            steps.append((selector, expression))
        }
        for name in names where try segment(named: name).of != .users {
            throw SessionError(.invalidArgument, "`\(name)` is a segment of accounts: a funnel follows users")
        }
        let counts: [[Int]]
        if let clickHouse {
            counts = try await evaluated(clickHouse) { evaluator in
                try await evaluator.funnel(steps: steps, within: within, by: names, asOf: instant)
            }
        } else {
            counts = try funnelCounts(steps, within: within, by: names, asOf: instant, progress: progress)
        }
        var rows: [[JSONValue]] = []
        for (name, counts) in zip([""] + names, counts) {
            for (index, count) in counts.enumerated() {
                let previous = index == 0 ? count : counts[index - 1]
                let fromPrevious = Statistics.Proportion(count, of: previous)
                rows.append(
                    [.string(name), .number(Double(index + 1)), .number(Double(count))]
                        + [
                            ReportValues.fraction(fromPrevious.rate),
                            ReportValues.fraction(Statistics.Proportion(count, of: counts[0]).rate),
                            ReportValues.fraction(fromPrevious.interval?.lowerBound),
                            ReportValues.fraction(fromPrevious.interval?.upperBound),
                        ])
            }
        }
        return ReportTable(
            columns: ["segment", "step", "reached", "rate_from_previous", "rate_from_first", "low", "high"],
            rows: rows,
            settings: [
                "as_of": .string(Instant.format(instant)), "within_ms": .number(Double(within)),
                "steps": .array(texts.map(JSONValue.string)),
            ])
    }

    /// How many user profiles reached each step of a funnel, for everyone and then for the members of
    /// each segment in order, with the embedded engine.
    private func funnelCounts(
        _ steps: [(selector: EventSelector, source: TypedExpr)], within: Int64, by names: [String],
        asOf instant: Int64, progress: (Int) -> Void
    ) throws(SessionError) -> [[Int]] {
        var needs = DataNeeds(definitions: definitions)
        for step in steps { needs.add(step.source, scope: .users) }
        var builders = [TimelineBuilder(asOf: instant, needs: needs)]
        _ = try scan(into: &builders, progress: progress)
        let engine = self.engine(over: builders[0].build(), now: instant)
        do throws(EngineError) {
            let times = try steps.map { step throws(EngineError) in try engine.eventTimes(matching: step.selector) }
            let reached = (0..<engine.population.users.count).map { profile in
                Funnel.reached(times.map { $0[profile] }, within: within)
            }
            var counts = [Funnel.counts(reached, steps: steps.count)]
            for name in names {
                let flags = try engine.segment(named: name).flags
                counts.append(
                    Funnel.counts(reached.indices.filter { flags[$0] }.map { reached[$0] }, steps: steps.count))
            }
            return counts
        } catch {
            throw SessionError(.evaluation, error.description)
        }
    }

    /// The segments of cohorts: segments of users.
    private func cohortSegments(_ names: [String]) throws(SessionError) -> [SegmentDefinition] {
        var segments: [SegmentDefinition] = []
        for name in names {
            let segment = try self.segment(named: name)
            guard segment.of == .users else {
                throw SessionError(
                    .invalidArgument, "`\(name)` is a segment of accounts: retention and conversion follow users")
            }
            segments.append(segment)
        }
        return segments
    }

    /// The names of the cohorts in order: the segments, then `baseline` when asked.
    private static func cohortNames(_ names: [String], _ options: CohortOptions) -> [String] {
        names + (options.baseline ? ["baseline"] : [])
    }

    /// The cohorts of segments as ClickHouse counts them: anchored at first seen only, since the entries
    /// of the `entry` anchor are recorded in the workspace's change log, not in ClickHouse.
    private func cohortQuery(
        _ names: [String], options: CohortOptions, events selector: EventSelector, needs expression: TypedExpr
    ) throws(SessionError) -> SQLCompiler.CohortQuery {
        guard options.anchor == .firstSeen else {
            throw SessionError(
                .invalidArgument,
                "--anchor entry is not supported with store: clickhouse (the entries are recorded in the "
                    + "workspace's change log, not in ClickHouse): use --anchor first-seen")
        }
        return SQLCompiler.CohortQuery(
            segments: try cohortSegments(names), baseline: options.baseline, from: options.from, to: options.to,
            events: selector,
            source: expression)
    }

    /// The cohorts of segments (and the baseline, last, when asked), each member with its day 0 and the
    /// times of its events that the selector picks.
    private func cohorts(
        _ names: [String], options: CohortOptions, events selector: EventSelector, needs expression: TypedExpr,
        asOf instant: Int64, progress: (Int) -> Void
    ) async throws(SessionError) -> (
        cohorts: [(name: String, members: [Cohorts.Member])], events: EventTimes, engine: Engine, loadSeconds: Double
    ) {
        let started = ContinuousClock.now
        var entries: [String: [(String, Int64)]] = [:]
        for name in try cohortSegments(names).map(\.name) {
            if options.anchor == .entry {
                entries[name] = try await firstEntries(of: name, from: options.from ?? .min, to: options.to ?? .max)
            }
        }
        var needs = DataNeeds(definitions: definitions)
        needs.add(expression, scope: .users)
        var builders = [TimelineBuilder(asOf: instant, needs: needs)]
        _ = try scan(into: &builders, progress: progress)
        let engine = self.engine(over: builders[0].build(), now: instant)
        // The builders' buffers are freed as part of loading, not of what follows.
        builders.removeAll()
        let loadSeconds = (ContinuousClock.now - started).seconds
        let timelines = engine.population.users
        let from = options.from ?? .min
        let to = options.to ?? .max
        do throws(EngineError) {
            let events = try engine.eventTimes(matching: selector)
            func member(_ profile: Int, start: Int64) -> Cohorts.Member {
                Cohorts.Member(start: start, profile: profile)
            }
            var cohorts: [(name: String, members: [Cohorts.Member])] = []
            for name in names {
                let result = try engine.segment(named: name)
                var members: [Cohorts.Member] = []
                switch options.anchor {
                case .firstSeen:
                    for (profile, isMember) in result.flags.enumerated() where isMember {
                        if let seen = timelines.firstSeen(profile), seen >= from, seen < to {
                            members.append(member(profile, start: seen))
                        }
                    }
                case .entry:
                    for (id, entered) in entries[name] ?? [] {
                        if let profile = timelines.index(of: id) { members.append(member(profile, start: entered)) }
                    }
                }
                cohorts.append((name, members))
            }
            if options.baseline {
                var members: [Cohorts.Member] = []
                for profile in 0..<timelines.count {
                    if let seen = timelines.firstSeen(profile), seen >= from, seen < to {
                        members.append(member(profile, start: seen))
                    }
                }
                cohorts.append(("baseline", members))
            }
            return (cohorts, events, engine, loadSeconds)
        } catch {
            throw SessionError(.evaluation, error.description)
        }
    }

    /// Each profile's first recorded entry into a segment within [from, to).
    private func firstEntries(
        of segment: String, from: Int64, to: Int64
    ) async throws(SessionError) -> [(String, Int64)] {
        var first: [String: Int64] = [:]
        for change in try await recordedChanges(of: segment).map(\.change) where change.entered {
            if change.instant >= from, change.instant < to, first[change.profile] == nil {
                first[change.profile] = change.instant
            }
        }
        return first.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Every recorded change of a segment, in recorded order.
    func recordedChanges(of segment: String) async throws(SessionError) -> [RecordedChange] {
        var changes: [RecordedChange] = []
        var after: Int64?
        do {
            while true {
                let page = try await store.changes(segment: segment, since: nil, after: after, limit: 100_000)
                changes += page
                guard page.count == 100_000, let last = page.last else { break }
                after = last.id
            }
        } catch {
            throw .store(error)
        }
        return changes
    }

    /// Refuses a report's `--days` unless distinct, ascending and from 0 to ``Cohorts/maxDays``.
    static func checkDays(_ days: [Int]) throws(SessionError) {
        guard !days.isEmpty, days.allSatisfy({ (0...Cohorts.maxDays).contains($0) }), days == days.sorted(),
            Set(days).count == days.count
        else {
            throw SessionError(
                .invalidArgument, "--days must be distinct whole numbers from 0 to \(Cohorts.maxDays), ascending")
        }
    }

    /// Refuses a report's `--within` that is not positive or longer than ``Cohorts/maxDays``.
    static func checkWithin(_ within: Int64) throws(SessionError) {
        guard within > 0, within <= Int64(Cohorts.maxDays) * Cohorts.day else {
            throw SessionError(
                .invalidArgument, "--within must be a positive duration of at most \(Cohorts.maxDays)d")
        }
    }
}
