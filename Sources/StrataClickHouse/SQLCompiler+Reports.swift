import StrataEngine
import StrataLanguage

extension SQLCompiler {
    /// The cohorts of a retention or conversion report (docs/reports.md): the members of each segment
    /// of users as of the instant, then with `baseline` every profile, each kept when its first seen
    /// instant (its first track, page or screen event) lies in `[from, to)`; day 0 is that instant.
    public struct CohortQuery: Sendable {
        /// The segments, of users.
        public var segments: [SegmentDefinition]
        /// Whether the baseline cohort of every profile comes last.
        public var baseline: Bool
        /// The start of the range of day 0s (inclusive), nil for all time.
        public var from: Int64?
        /// The end of the range (exclusive), nil for all time.
        public var to: Int64?
        /// The events that count as coming back or converting.
        public var events: EventSelector
        /// Where the selection is written (`did(...)` of the flag), for errors.
        public var source: TypedExpr

        /// Cohorts from their parts.
        public init(
            segments: [SegmentDefinition], baseline: Bool, from: Int64?, to: Int64?, events: EventSelector,
            source: TypedExpr
        ) {
            self.segments = segments
            self.baseline = baseline
            self.from = from
            self.to = to
            self.events = events
            self.source = source
        }
    }

    /// The query of a retention report's counts: one row; for each cohort in order its size, then for
    /// each day N its eligible members (d0 + (N+1) days at or before the instant) and of those the ones
    /// who returned (an event of the selection in `[d0 + N days, d0 + (N+1) days)`, or with
    /// `on-or-after` at or after d0 + N days). A day is 86,400,000 ms from day 0 (``Cohorts/day``), not
    /// a calendar day.
    public func retentionQuery(
        _ cohorts: CohortQuery, days: [Int], mode: Cohorts.Mode, table: String, user: String, account: String
    ) throws(Unsupported) -> String {
        try cohortCounts(cohorts, table: table, user: user, account: account) { start, times in
            days.flatMap { n in
                let low = Self.days(Int64(n))
                let high = Self.days(Int64(n) + 1)
                let eligible = "\(start) <= \(Self.minus(now, high))"
                let within = mode == .on ? " AND t - \(start) < \(high)" : ""
                return [eligible, "\(eligible) AND arrayExists(t -> t - \(start) >= \(low)\(within), \(times))"]
            }
        }
    }

    /// The query of a conversion report's counts: one row; for each cohort in order its size, its
    /// eligible members (d0 + within at or before the instant) and of those the ones converted (an
    /// event of the selection in `(d0, d0 + within]`).
    public func conversionQuery(
        _ cohorts: CohortQuery, within: Int64, table: String, user: String, account: String
    ) throws(Unsupported) -> String {
        try cohortCounts(cohorts, table: table, user: user, account: account) { start, times in
            let eligible = "\(start) <= \(Self.minus(now, within))"
            return [eligible, "\(eligible) AND arrayExists(t -> t > \(start) AND t - \(start) <= \(within), \(times))"]
        }
    }

    /// How many segments one query of a report evaluates at most: a query over many more grows past
    /// ClickHouse's limit on its syntax tree (`max_ast_elements`, 50,000 on 18.16), and 18.16 slows
    /// down faster than the query grows.
    public static let segmentsPerQuery = 16

    /// Segments in runs of at most ``segmentsPerQuery``, in order.
    public static func parts(_ segments: [SegmentDefinition]) -> [[SegmentDefinition]] {
        stride(from: 0, to: segments.count, by: segmentsPerQuery).map {
            Array(segments[$0..<min($0 + segmentsPerQuery, segments.count)])
        }
    }

    /// The queries of an overlap report (segments all of one kind), a run of segments a query
    /// (``parts(_:)``).
    public enum OverlapQueries: Sendable, Equatable {
        /// The segments fit in one query: it counts the profiles of each combination
        /// (``overlapQuery(_:table:user:account:)``).
        case counts(String)
        /// One query per run of segments, listing each profile in one of its segments or more with its
        /// mask over that run (``membershipQuery(_:table:user:account:)``): a profile's combination is
        /// its masks put together, run i's shifted by i × ``segmentsPerQuery`` bits.
        case members([String])
    }

    /// The queries of an overlap report over segments of one kind (at most 64): the counts of each
    /// combination when they fit in one query, else the members of each run with their masks.
    public func overlapQueries(
        _ segments: [SegmentDefinition], table: String, user: String, account: String
    ) throws(Unsupported) -> OverlapQueries {
        let runs = Self.parts(segments)
        guard runs.count > 1 else {
            return .counts(try overlapQuery(segments, table: table, user: user, account: account))
        }
        var queries: [String] = []
        for run in runs { queries.append(try membershipQuery(run, table: table, user: user, account: account)) }
        return .members(queries)
    }

    /// The query of an overlap report's counts: for each combination of the segments (all of one kind)
    /// that some profile is in exactly, its mask (bit i: the i-th segment) and how many profiles are in
    /// it (``StrataEngine/Overlap/Combinations``).
    public func overlapQuery(
        _ segments: [SegmentDefinition], table: String, user: String, account: String
    ) throws(Unsupported) -> String {
        let masks = try membershipQuery(segments, table: table, user: user, account: account)
        return "SELECT membership_mask, count() FROM (\(masks)) GROUP BY membership_mask"
    }

    /// The query of the members of segments (all of one kind, at most 64): one row per profile in one of
    /// them or more, its id and its mask (bit i: the i-th segment).
    public func membershipQuery(
        _ segments: [SegmentDefinition], table: String, user: String, account: String
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: segments.first?.of ?? .users)
        var bits: [String] = []
        for (index, segment) in segments.enumerated() {
            bits.append("toUInt64(\(try compiler.condition(of: segment))) * \(UInt64(1) << UInt64(index))")
        }
        return compiler.grouped(
            ["(\(bits.joined(separator: " + "))) AS membership_mask"], having: "membership_mask != 0")
    }

    /// The query of the times of the selection's events (ascending) of some user profiles: one row per
    /// profile among `profiles` with a message, its id and the times; `source` is where the selection is
    /// written, for errors.
    public func eventTimesQuery(
        of profiles: [String], events: EventSelector, source: TypedExpr, table: String, user: String,
        account: String
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: .users)
        let times = try compiler.rows(events, .allTime, source).times
        let named = profiles.isEmpty ? "0" : "profile IN (\(profiles.map(SQL.string).joined(separator: ", ")))"
        return compiler.grouped(["arraySort(\(times)) AS event_times"], having: named)
    }

    /// The query of a funnel report's counts (docs/reports.md, funnels): one row; for everyone, then for
    /// the members of each segment (of users) in order, how many user profiles reached each step. A
    /// profile reaches step k when it did steps 1..k in order, each strictly after the one before, all
    /// within `within` of its first step, as `funnel(...)` counts them (``funnel(_:_:)``); `source` is
    /// where the steps are written, for errors.
    public func funnelQuery(
        steps: [EventSelector], within: Int64, segments: [SegmentDefinition], source: TypedExpr, table: String,
        user: String, account: String
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: .users)
        let sequence = EventSequence(kind: .funnel, steps: steps, within: within, window: .allTime)
        var columns = ["\(try compiler.funnel(sequence, source)) AS funnel_reached"]
        var groups = ["1"]
        for (index, segment) in segments.enumerated() {
            columns.append("\(try compiler.condition(of: segment)) AS funnel_member_\(index)")
            groups.append("funnel_member_\(index)")
        }
        let counts = groups.flatMap { group in
            steps.indices.map { "countIf(\(group) AND funnel_reached >= \($0 + 1))" }
        }
        return "SELECT \(counts.joined(separator: ", ")) FROM (\(compiler.grouped(columns)))"
    }

    /// One row of counts over the profiles of users: for each cohort its size, then one count per
    /// condition `counts` makes of a member's day 0 and the times of its events of the selection (an
    /// array), each restricted to the cohort's members.
    private func cohortCounts(
        _ cohorts: CohortQuery, table: String, user: String, account: String,
        counts: (_ start: String, _ times: String) -> [String]
    ) throws(Unsupported) -> String {
        var compiler = self
        compiler.scan = Scan(table: table, user: user, account: account, kind: .users)
        let events = Rows(filter: Self.eventFilter)
        var columns = [
            "\(events.count) AS cohort_events", "\(events.aggregate("min", ["time"])) AS cohort_start",
            "\(try compiler.rows(cohorts.events, .allTime, cohorts.source).times) AS cohort_times",
        ]
        var seen = ["cohort_events > 0"]
        if let from = cohorts.from { seen.append("cohort_start >= \(from)") }
        if let to = cohorts.to { seen.append("cohort_start < \(to)") }
        var members: [String] = []
        for (index, segment) in cohorts.segments.enumerated() {
            columns.append("\(try compiler.condition(of: segment)) AS cohort_member_\(index)")
            members.append("(\((seen + ["cohort_member_\(index)"]).joined(separator: " AND ")))")
        }
        if cohorts.baseline { members.append("(\(seen.joined(separator: " AND ")))") }
        let measured = counts("cohort_start", "cohort_times")
        let aggregates = members.flatMap { member in
            ["countIf(\(member))"] + measured.map { "countIf(\(member) AND \($0))" }
        }
        return "SELECT \(aggregates.joined(separator: ", ")) FROM (\(compiler.grouped(columns)))"
    }

    /// n days in milliseconds, saturating.
    private static func days(_ n: Int64) -> Int64 {
        let (ms, overflow) = n.multipliedReportingOverflow(by: Cohorts.day)
        return overflow ? Int64.max : ms
    }
}
