import StrataActivation
import StrataClickHouse
import StrataCore
import StrataEngine
import StrataLanguage
import StrataStore

/// The thresholds of `strata health` (reports spec, section 7).
public enum HealthRules {
    /// The smallest segment worth acting on when it sets no `min_size`.
    public static let defaultMinimumSize = 200
    /// A Jaccard index at or above this with another segment: they compete for the same people.
    public static let overlapping = 0.8
    /// The share of segments that should drive an activation.
    public static let activatedFloor = 0.8
    /// How long a review lasts (ms).
    public static let reviewLasts: Int64 = 90 * Cohorts.day
    /// How late a real-time change may be recorded after its instant (ms).
    public static let lateRecording: Int64 = 3_600_000
    /// The largest move in size between two consecutive days of the last 30, as a share.
    public static let volatile = 0.5
    /// The fewest eligible profiles on each side for the cosmetic rule to judge a difference.
    public static let cosmeticMinimum = 30
}

extension EvaluationSession {
    /// The health rules over segments (all when none are named) as of an instant; one row per finding:
    /// code, segment, figure, threshold, message. With `clickHouse` (a workspace with `store: clickhouse`),
    /// the members, the populations and the day-30 retention are evaluated inside ClickHouse once it is up
    /// to date (``ClickHouseAccess``); the rules read the change log either way.
    ///
    /// A segment left out of the session for its file's errors (``brokenSegments``: with `store:
    /// clickhouse`, one outside the SQL subset) is not evaluated, as `strata run` leaves it out: it has
    /// one finding, `not-evaluated`, with the error, and the health of the others is as if it were not
    /// defined.
    public func health(
        segments requested: [String], asOf instant: Int64, clickHouse: ClickHouseAccess? = nil,
        progress: (Int) -> Void = { _ in }
    ) async throws(SessionError) -> ReportTable {
        let broken = brokenSegments
        let all = definitions.segments.map(\.name).filter { broken[$0] == nil }
        for name in requested { _ = try segment(named: name) }
        var findings: [[JSONValue]] = []
        func finding(_ code: String, _ segment: String, _ figure: Double, _ threshold: Double, _ message: String) {
            findings.append([.string(code), .string(segment), .number(figure), .number(threshold), .string(message)])
        }
        for name in requested.isEmpty ? definitions.segments.map(\.name) : requested {
            guard let error = broken[name] else { continue }
            finding("not-evaluated", name, 0, 0, "left out, not evaluated: \(error.description)")
        }
        let names = requested.isEmpty ? all : requested.filter { broken[$0] == nil }
        let (members, population) = try await memberships(
            of: all, asOf: instant, clickHouse: clickHouse, progress: progress)
        let activated = Set(activationSettings.activations.values.map(\.segment))
        let users = names.filter { definitions.segment(named: $0)?.of == .users }
        let retention =
            users.isEmpty
            ? nil
            : try await self.retention(
                segments: users, cohorts: CohortOptions(), returns: "any", days: [30], mode: .on, compareDay: 30,
                asOf: instant, clickHouse: clickHouse, progress: progress)
        let baseline = retention?.rows.last?.cells.first
        let cadence = LiveEngine.cadenceSegments(of: definitions)
        let recomputed: [String: Int64]
        let serverRan: Bool
        do {
            recomputed = try await store.recomputations()
            serverRan = try await store.liveCheckpoint() != nil
        } catch {
            throw .store(error)
        }
        for name in names {
            guard let definition = definitions.segment(named: name) else { continue }
            let size = members[name]?.count ?? 0
            let minimum = definition.minSize ?? HealthRules.defaultMinimumSize
            if size == 0 {
                finding("empty", name, 0, 0, "no members")
            } else if size == population[name] {
                finding("everyone", name, Double(size), Double(size), "every profile of its kind is a member")
            } else if size < minimum {
                finding("too-small", name, Double(size), Double(minimum), "below min_size: the statistics break")
            }
            if let cell = retention?.rows.first(where: { $0.cohort == name })?.cells.first, let baseline,
                cell.eligible >= HealthRules.cosmeticMinimum, baseline.eligible >= HealthRules.cosmeticMinimum,
                let (difference, _) = Cohorts.difference(cell, baseline),
                abs(difference) < Cohorts.cosmeticDifference
            {
                finding(
                    "cosmetic", name, abs(difference), Cohorts.cosmeticDifference,
                    "day-30 retention within 15 pp of the baseline's")
            }
            for other in all where other != name && definitions.segment(named: other)?.of == definition.of {
                let a = members[name] ?? []
                let b = members[other] ?? []
                let both = a.intersection(b).count
                let union = a.count + b.count - both
                if union > 0, Double(both) / Double(union) >= HealthRules.overlapping {
                    finding(
                        "overlapping", name, Double(both) / Double(union), HealthRules.overlapping,
                        "Jaccard with \(other): they compete for the same people")
                }
            }
            if !activated.contains(name) { finding("not-activated", name, 0, 1, "no activation uses it") }
            if let reviewed = definition.reviewed {
                let age = instant - zone.start(of: reviewed)
                if age > HealthRules.reviewLasts {
                    finding(
                        "review-overdue", name, Double(age / Cohorts.day),
                        Double(HealthRules.reviewLasts / Cohorts.day),
                        "days since `reviewed:`")
                }
            } else {
                finding(
                    "review-overdue", name, 0, Double(HealthRules.reviewLasts / Cohorts.day), "no `reviewed:` date")
            }
            if serverRan, let interval = cadence[name]?.interval {
                let age = recomputed[name].map { instant - $0 }
                if age.map({ $0 > 2 * interval }) ?? true {
                    finding(
                        "stale", name, age.map { Double($0) / 1000 } ?? 0, Double(2 * interval) / 1000,
                        age == nil
                            ? "never recomputed by strata serve"
                            : "seconds since strata serve last recomputed it (twice its refresh allowed)")
                }
            }
            try await logFindings(name, asOf: instant, into: finding)
        }
        if !all.isEmpty {
            let share = Double(all.filter { activated.contains($0) }.count) / Double(all.count)
            if share < HealthRules.activatedFloor {
                finding(
                    "not-activated", "", share, HealthRules.activatedFloor, "share of segments wired to an activation")
            }
        }
        return ReportTable(
            columns: ["code", "segment", "figure", "threshold", "message"], rows: findings,
            settings: ["as_of": .string(Instant.format(instant))])
    }

    /// The members of every named segment as of an instant, and how many profiles of the segment's kind
    /// there are: evaluated inside ClickHouse with `clickHouse`, else by the embedded engine.
    private func memberships(
        of names: [String], asOf instant: Int64, clickHouse: ClickHouseAccess?, progress: (Int) -> Void
    ) async throws(SessionError) -> (members: [String: Set<String>], population: [String: Int]) {
        var members: [String: Set<String>] = [:]
        var population: [String: Int] = [:]
        if let clickHouse {
            let answer = try await evaluated(clickHouse) { evaluator in
                try await evaluator.members(of: names, asOf: instant)
            }
            for name in names {
                members[name] = Set(answer.members[name] ?? [])
                population[name] = definitions.segment(named: name)?.of == .accounts ? answer.accounts : answer.profiles
            }
            return (members, population)
        }
        let evaluation = try evaluate(asOf: instant, progress: progress)
        do throws(EngineError) {
            for name in names {
                let result = try evaluation.engine.segment(named: name)
                members[name] = Set(result.members)
                population[name] = result.population
            }
        } catch {
            throw SessionError(.evaluation, error.description)
        }
        return (members, population)
    }

    /// `stale` of real-time segments and `volatile`, from the change log: a real-time segment whose last
    /// change was recorded more than an hour after its instant, and a size that moved more than half between two consecutive
    /// days of the last 30 (where the log covers them).
    private func logFindings(
        _ name: String, asOf instant: Int64, into finding: (String, String, Double, Double, String) -> Void
    ) async throws(SessionError) {
        let recorded = try await recordedChanges(of: name)
        let changes = recorded.map(\.change)
        if LiveEngine.cadenceSegments(of: definitions)[name] == nil, let last = recorded.last,
            last.recordedAt - last.change.instant > HealthRules.lateRecording
        {
            let late = last.recordedAt - last.change.instant
            finding(
                "stale", name, Double(late) / 1000, Double(HealthRules.lateRecording) / 1000,
                "seconds between its last change and its recording")
        }
        guard let first = changes.first?.instant else { return }
        let days = (0...30).map { instant - Int64(30 - $0) * Cohorts.day }.filter { $0 >= first }
        let sizes = Stays.sizes(changes, at: days)
        for (earlier, later) in zip(sizes, sizes.dropFirst()) where earlier.size > 0 {
            let move = Double(abs(later.size - earlier.size)) / Double(earlier.size)
            if move > HealthRules.volatile {
                finding(
                    "volatile", name, move, HealthRules.volatile,
                    "size moved from \(earlier.size) to \(later.size) in the day to \(Instant.format(later.instant))")
                return
            }
        }
    }
}
