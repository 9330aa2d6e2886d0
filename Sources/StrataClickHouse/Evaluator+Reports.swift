import StrataEngine
import StrataLanguage

extension Evaluator {
    /// The cells of a retention report as of an instant, one row per cohort in order (the segments,
    /// then the baseline when asked), counted inside ClickHouse (``SQLCompiler/retentionQuery(_:days:mode:table:user:account:)``).
    /// `flag` names where the selection is written, for its errors.
    public func retention(
        _ cohorts: SQLCompiler.CohortQuery, days: [Int], mode: Cohorts.Mode, flag: String, asOf now: Int64
    ) async throws(ClickHouseError) -> [[Cohorts.Cell]] {
        let scan = try await Prepared(self, asOf: now)
        let counts = try await cohortCounts(scan, cohorts, flag: flag, width: 1 + 2 * days.count) {
            (part) throws(SQLCompiler.Unsupported) in
            try scan.compiler.retentionQuery(
                part, days: days, mode: mode, table: scan.table, user: scan.profile, account: scan.account)
        }
        return counts.map { row in
            days.enumerated().map { index, day in
                Cohorts.Cell(day: day, size: row[0], eligible: row[1 + 2 * index], returned: row[2 + 2 * index])
            }
        }
    }

    /// Each cohort's size and its conversion (converted of eligible) as of an instant, in order,
    /// counted inside ClickHouse (``SQLCompiler/conversionQuery(_:within:table:user:account:)``).
    public func conversion(
        _ cohorts: SQLCompiler.CohortQuery, within: Int64, flag: String, asOf now: Int64
    ) async throws(ClickHouseError) -> [(size: Int, rate: Statistics.Proportion)] {
        let scan = try await Prepared(self, asOf: now)
        let counts = try await cohortCounts(scan, cohorts, flag: flag, width: 3) {
            (part) throws(SQLCompiler.Unsupported) in
            try scan.compiler.conversionQuery(
                part, within: within, table: scan.table, user: scan.profile, account: scan.account)
        }
        return counts.map {
            ($0[0], Statistics.Proportion($0[2], of: $0[1]))
        }
    }

    /// How many user profiles reached each step of a funnel as of an instant: for everyone, then for the
    /// members of each segment in order, counted inside ClickHouse
    /// (``SQLCompiler/funnelQuery(steps:within:segments:source:table:user:account:)``). Each step comes
    /// with where it is written (`step N`), for its errors.
    public func funnel(
        steps: [(selector: EventSelector, source: TypedExpr)], within: Int64, by names: [String], asOf now: Int64
    ) async throws(ClickHouseError) -> [[Int]] {
        let segments = try names.map { (name) throws(ClickHouseError) in try segment(named: name) }
        let scan = try await Prepared(self, asOf: now)
        // A step outside the subset is an error at its own flag.
        for (index, step) in steps.enumerated() {
            _ = try compiled([], other: "step \(index + 1)") { () throws(SQLCompiler.Unsupported) in
                try scan.compiler.filter(step.selector, .allTime, step.source)
            }
        }
        let sql = try compiled(segments, other: "step 1") { () throws(SQLCompiler.Unsupported) in
            try scan.compiler.funnelQuery(
                steps: steps.map(\.selector), within: within, segments: segments,
                source: steps[0].source, table: scan.table, user: scan.profile, account: scan.account)
        }
        return try await counts(scan, sql, groups: 1 + segments.count, width: steps.count)
    }

    /// How many profiles are in exactly each combination of the segments (all of one kind) as of an
    /// instant, counted inside ClickHouse when the segments fit in one query, else put together from each
    /// run's members and masks (``SQLCompiler/overlapQueries(_:table:user:account:)``).
    public func overlap(of names: [String], asOf now: Int64) async throws(ClickHouseError) -> Overlap.Combinations {
        let segments = try names.map { (name) throws(ClickHouseError) in try segment(named: name) }
        let scan = try await Prepared(self, asOf: now)
        let queries = try compiled(segments, other: "overlap") { () throws(SQLCompiler.Unsupported) in
            try scan.compiler.overlapQueries(segments, table: scan.table, user: scan.profile, account: scan.account)
        }
        switch queries {
        case .counts(let sql):
            var counts: [UInt64: Int] = [:]
            for row in try await scan.rows(sql) {
                guard row.count == 2, let mask = UInt64(row[0]), let count = Int(row[1]) else {
                    throw ClickHouseError("ClickHouse answered a combination's count with \(row)")
                }
                counts[mask, default: 0] += count
            }
            return Overlap.Combinations(names: names, counts: counts)
        case .members(let runs):
            var answers: [[[String]]] = []
            for sql in runs { answers.append(try await scan.rows(sql)) }
            return Overlap.Combinations(names: names, counts: try Self.combinations(answers))
        }
    }

    /// The profiles in each combination, by mask, from the rows (id, mask over its run) of each run of
    /// ``SQLCompiler/segmentsPerQuery`` segments: a profile's masks put together, run i's shifted by
    /// i × ``SQLCompiler/segmentsPerQuery`` bits.
    static func combinations(_ runs: [[[String]]]) throws(ClickHouseError) -> [UInt64: Int] {
        var masks: [String: UInt64] = [:]
        for (index, rows) in runs.enumerated() {
            for row in rows {
                guard row.count == 2, let mask = UInt64(row[1]), mask != 0 else {
                    throw ClickHouseError("ClickHouse answered a member's combination with \(row)")
                }
                masks[row[0], default: 0] |= mask << UInt64(index * SQLCompiler.segmentsPerQuery)
            }
        }
        var counts: [UInt64: Int] = [:]
        for mask in masks.values { counts[mask, default: 0] += 1 }
        return counts
    }

    /// The members of each named segment as of each instant, in order, and the numbers of profiles and
    /// accounts then: the profiles are resolved as of each instant, then each segment is one query
    /// (``members(of:asOf:listing:)``). One query over 16 segments, listing each member with its mask
    /// (``SQLCompiler/membershipQuery(_:table:user:account:)``), took twice as long as their 16 queries
    /// on ClickHouse 18.16.
    public func memberships(of names: [String], at instants: [Int64]) async throws(ClickHouseError) -> [Answer] {
        var answers: [Answer] = []
        for instant in instants { answers.append(try await members(of: names, asOf: instant)) }
        return answers
    }

    /// The times of the selection's events (ascending) of some user profiles as of an instant, by id; a
    /// profile without a message then is left out (``SQLCompiler/eventTimesQuery(of:events:source:table:user:account:)``).
    /// `flag` names where the selection is written, for its errors.
    public func eventTimes(
        of profiles: [String], matching selector: EventSelector, source: TypedExpr, flag: String, asOf now: Int64
    ) async throws(ClickHouseError) -> [String: [Int64]] {
        let scan = try await Prepared(self, asOf: now)
        let sql = try compiled([], other: flag) { () throws(SQLCompiler.Unsupported) in
            try scan.compiler.eventTimesQuery(
                of: profiles, events: selector, source: source, table: scan.table, user: scan.profile,
                account: scan.account)
        }
        var times: [String: [Int64]] = [:]
        for row in try await scan.rows(sql) {
            let list = row.count == 2 ? row[1].dropFirst().dropLast().split(separator: ",").map { Int64($0) } : [nil]
            guard row.count == 2, row[1].hasPrefix("["), row[1].hasSuffix("]"), !list.contains(nil) else {
                throw ClickHouseError("ClickHouse answered a profile's event times with \(row)")
            }
            times[row[0]] = list.compactMap { $0 }
        }
        return times
    }

    /// A segment by name, or an error saying there is none.
    func segment(named name: String) throws(ClickHouseError) -> SegmentDefinition {
        guard let segment = definitions.segment(named: name) else {
            throw ClickHouseError("no segment is named `\(name)`")
        }
        return segment
    }

    /// A query over segments, a construct outside the subset reported at its place: in the first
    /// segment that has one, else in `other`.
    private func compiled<Query>(
        _ segments: [SegmentDefinition], other: String, _ compile: () throws(SQLCompiler.Unsupported) -> Query
    ) throws(ClickHouseError) -> Query {
        let compiler = SQLCompiler(definitions: definitions, now: 0, zone: zone, earliest: 0)
        for segment in segments {
            do throws(SQLCompiler.Unsupported) {
                _ = try compiler.condition(of: segment)
            } catch {
                throw ClickHouseError(Self.diagnostic(error, file: segment.file).description)
            }
        }
        do throws(SQLCompiler.Unsupported) {
            return try compile()
        } catch {
            throw ClickHouseError(Self.diagnostic(error, file: other).description)
        }
    }

    /// The one row of a report's query as whole numbers, `width` of them for each of `groups` (cohorts,
    /// or everyone and each segment).
    private func counts(
        _ scan: Prepared, _ sql: String, groups: Int, width: Int
    ) async throws(ClickHouseError) -> [[Int]] {
        let rows = try await scan.rows(sql)
        let numbers = rows.first?.compactMap { Int($0) } ?? []
        guard rows.count == 1, numbers.count == groups * width, rows[0].count == numbers.count else {
            throw ClickHouseError("ClickHouse answered a report's counts with \(rows.prefix(2))")
        }
        return (0..<groups).map { Array(numbers[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// The rows of counts of cohorts, `width` numbers a cohort, asked a few segments at a time
    /// (``SQLCompiler/parts(_:)``), the baseline with the last of them.
    private func cohortCounts(
        _ scan: Prepared, _ cohorts: SQLCompiler.CohortQuery, flag: String, width: Int,
        _ query: (SQLCompiler.CohortQuery) throws(SQLCompiler.Unsupported) -> String
    ) async throws(ClickHouseError) -> [[Int]] {
        let runs = SQLCompiler.parts(cohorts.segments)
        var rows: [[Int]] = []
        for (index, segments) in (runs.isEmpty ? [[]] : runs).enumerated() {
            var part = cohorts
            part.segments = segments
            part.baseline = cohorts.baseline && index == max(runs.count, 1) - 1
            let sql = try compiled(segments, other: flag) { () throws(SQLCompiler.Unsupported) in try query(part) }
            rows += try await counts(scan, sql, groups: Self.groups(part), width: width)
        }
        return rows
    }

    /// How many cohorts a cohort query counts: its segments, then the baseline when asked.
    private static func groups(_ cohorts: SQLCompiler.CohortQuery) -> Int {
        cohorts.segments.count + (cohorts.baseline ? 1 : 0)
    }
}
