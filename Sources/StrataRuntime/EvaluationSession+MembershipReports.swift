import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// Where `strata report sizes` reads memberships from.
public enum SizeSource: String, Sendable, CaseIterable {
    /// The change log where it covers an instant (from the segment's first recorded change on), else
    /// an evaluation.
    case auto
    /// The change log only (instants before it began count 0 members and are marked).
    case log
    /// An evaluation of the definition as of each instant.
    case evaluation
}

extension EvaluationSession {
    /// Overlap (reports spec, section 3): every ordered pair with its intersection, Jaccard index and
    /// containment; the settings carry the exclusive combinations, largest first. With `clickHouse` (a
    /// workspace with `store: clickhouse`), the profiles of each combination are counted inside ClickHouse
    /// once it is up to date (``ClickHouseAccess``; ``StrataClickHouse/Evaluator/overlap(of:asOf:)``); the report is
    /// worked out from those counts either way.
    public func overlap(
        segments names: [String], asOf instant: Int64, clickHouse: ClickHouseAccess? = nil,
        progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> ReportTable {
        guard names.count >= 2 else { throw SessionError(.invalidArgument, "overlap needs two segments or more") }
        guard names.count <= Overlap.maxSegments else {
            throw SessionError(.invalidArgument, "overlap takes at most \(Overlap.maxSegments) segments")
        }
        var kinds: [String: ProfileKind] = [:]
        for name in names {
            guard kinds[name] == nil else { throw SessionError(.invalidArgument, "segment `\(name)` is named twice") }
            kinds[name] = try segment(named: name).of
        }
        if Set(kinds.values).count > 1 {
            throw SessionError(
                .invalidArgument, "segments of users and of accounts are never crossed: give segments of one kind")
        }
        let started = ContinuousClock.now
        let combinations: Overlap.Combinations
        let loadSeconds: Double
        if let clickHouse {
            combinations = try await evaluated(clickHouse) { evaluator in
                try await evaluator.overlap(of: names, asOf: instant)
            }
            loadSeconds = 0
        } else {
            let evaluation = try evaluate(asOf: instant, progress: progress)
            loadSeconds = (ContinuousClock.now - started).seconds
            do throws(EngineError) {
                let flags = try names.map { (name) throws(EngineError) in
                    try evaluation.engine.segment(named: name).flags
                }
                combinations = Overlap.Combinations(names: names, flags: flags)
            } catch {
                throw SessionError(.evaluation, error.description)
            }
        }
        let pairs = combinations.pairs
        let exclusive = combinations.exclusive
        let timing = ReportTiming(loadSeconds: loadSeconds, totalSeconds: (ContinuousClock.now - started).seconds)
        return ReportTable(
            columns: ["a", "b", "count", "jaccard", "containment"],
            rows: pairs.map {
                [
                    .string($0.a), .string($0.b), .number(Double($0.count)), ReportValues.fraction($0.jaccard),
                    ReportValues.fraction($0.containment),
                ]
            },
            settings: [
                "as_of": .string(Instant.format(instant)), "timing": timing.json,
                "sizes": .object(
                    Dictionary(
                        zip(names, combinations.sizes).map { ($0, JSONValue.number(Double($1))) },
                        uniquingKeysWith: { first, _ in first })),
                "exclusive": .array(
                    exclusive.map {
                        .object([
                            "segments": .array($0.segments.map(JSONValue.string)), "count": .number(Double($0.count)),
                        ])
                    }),
            ])
    }

    /// Sizes over time (reports spec, section 4): columns segment, instant, size, entered, exited, source.
    /// The instants the change log does not answer are evaluated; with `clickHouse` (a workspace with
    /// `store: clickhouse`), inside ClickHouse once it is up to date (``ClickHouseAccess``;
    /// ``StrataClickHouse/Evaluator/memberships(of:at:)``, the profiles resolved as of each instant).
    public func sizes(
        segments names: [String], from: Int64, to: Int64, every: Int64, source: SizeSource,
        clickHouse: ClickHouseAccess? = nil, progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> ReportTable {
        guard every > 0 else { throw SessionError(.invalidArgument, "--every must be a positive duration") }
        guard from <= to else { throw SessionError(.invalidArgument, "--from must not be after --to") }
        let count = (to - from) / every + 1
        guard count <= 10_000 else {
            throw SessionError(
                .invalidArgument, "the range holds \(count) instants (at most 10,000): use a longer --every")
        }
        let instants = (0..<count).map { from + $0 * every }
        for name in names { _ = try segment(named: name) }
        var changes: [String: [MembershipChange]] = [:]
        for name in names { changes[name] = try await recordedChanges(of: name).map(\.change) }
        func fromLog(_ name: String, _ instant: Int64) -> Bool {
            source == .log || (source == .auto && changes[name]?.first.map { instant >= $0.instant } == true)
        }
        let evaluating = instants.indices.filter { index in names.contains { !fromLog($0, instants[index]) } }
        let evaluated = Dictionary(
            uniqueKeysWithValues: zip(
                evaluating,
                evaluating.isEmpty
                    ? []
                    : try await members(
                        of: names, at: evaluating.map { instants[$0] }, clickHouse: clickHouse, progress: progress)))
        var rows: [[JSONValue]] = []
        for name in names {
            let logged = Stays.sizes(changes[name] ?? [], at: instants)
            var previous: Set<String>?
            for (index, instant) in instants.enumerated() {
                if fromLog(name, instant) {
                    let size = logged[index]
                    rows.append([
                        .string(name), .string(Instant.format(instant)), .number(Double(size.size)),
                        .number(Double(size.entered)), .number(Double(size.exited)), .string("log"),
                    ])
                    previous = nil
                } else {
                    let members = evaluated[index]?[name] ?? []
                    let entered = previous.map { members.subtracting($0).count } ?? 0
                    let exited = previous.map { $0.subtracting(members).count } ?? 0
                    rows.append([
                        .string(name), .string(Instant.format(instant)), .number(Double(members.count)),
                        .number(Double(entered)), .number(Double(exited)), .string("evaluation"),
                    ])
                    previous = members
                }
            }
        }
        return ReportTable(
            columns: ["segment", "instant", "size", "entered", "exited", "source"], rows: rows,
            settings: [
                "from": .string(Instant.format(from)), "to": .string(Instant.format(to)),
                "every_ms": .number(Double(every)), "source": .string(source.rawValue),
            ])
    }

    /// The members of segments as of each of some instants: with `clickHouse`, evaluated inside
    /// ClickHouse once it is up to date (``ClickHouseAccess``), else by the embedded engine's batch evaluation
    /// (``members(of:at:progress:)``).
    func members(
        of names: [String], at instants: [Int64], clickHouse: ClickHouseAccess?, progress: (Int) -> Void
    ) async throws(SessionError) -> [[String: Set<String>]] {
        guard let clickHouse else { return try members(of: names, at: instants, progress: progress).members }
        return try await evaluated(clickHouse) { evaluator in
            try await evaluator.memberships(of: names, at: instants)
        }.map { $0.members.mapValues { Set($0) } }
    }

    /// Decay (reports spec, section 5): how long profiles stay, by Kaplan-Meier over the recorded stays;
    /// columns segment, day, survival, low, high, at_risk, median_days.
    public func decay(
        segments names: [String], days: [Int], asOf instant: Int64
    ) async throws(SessionError) -> ReportTable {
        try Self.checkDays(days)
        var rows: [[JSONValue]] = []
        for name in names {
            _ = try segment(named: name)
            let durations = Stays.durations(
                Stays.stays(try await recordedChanges(of: name).map(\.change)), asOf: instant)
            let estimate = KaplanMeier(durations)
            let median = estimate.median.map { Double($0) / Double(Cohorts.day) }
            for day in days {
                let t = Int64(day) * Cohorts.day
                let interval = estimate.interval(at: t)
                rows.append([
                    .string(name), .number(Double(day)),
                    estimate.count == 0 ? .null : ReportValues.fraction(estimate.survival(at: t)),
                    ReportValues.fraction(interval?.lowerBound), ReportValues.fraction(interval?.upperBound),
                    .number(Double(estimate.atRisk(at: t))), ReportValues.fraction(median),
                ])
            }
        }
        return ReportTable(
            columns: ["segment", "day", "survival", "low", "high", "at_risk", "median_days"], rows: rows,
            settings: ["as_of": .string(Instant.format(instant))])
    }
}
