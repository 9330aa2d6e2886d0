import Foundation
import StrataCore
import StrataEngine
import StrataLanguage
import Testing

@testable import StrataClickHouse

/// The SQL of the reports' counts: the bounds below are worked out by hand from the instant
/// 2026-07-01T12:00:00Z (1,782,907,200,000 ms) and days of 86,400,000 ms.
@Suite struct ReportQueryTests {
    static let now: Int64 = 1_782_907_200_000

    let definitions = Definitions.load(
        DefinitionFiles([
            "segments/pro.yaml": "where: did(\"Plan Upgraded\")\n",
            "segments/quiet.yaml": "where: not did(any, last 7d)\n",
            "segments/logins.yaml": "where: did(\"Logged In\")\n",
        ]))
    var compiler: SQLCompiler { SQLCompiler(definitions: definitions, now: Self.now, zone: .utc, earliest: 0) }
    static let events = SQLCompiler.eventFilter
    static let logins = "groupArrayIf(time, (\(events) AND name = 'Logged In')) AS cohort_times"

    /// Cohorts of `pro` and the baseline, first seen in [from, to), coming back with "Logged In".
    func cohorts(from: Int64? = nil, to: Int64? = nil) throws -> SQLCompiler.CohortQuery {
        let logins = try #require(definitions.segment(named: "logins")).condition
        return SQLCompiler.CohortQuery(
            segments: [try #require(definitions.segment(named: "pro"))], baseline: true, from: from, to: to,
            events: try #require(Self.selector(logins)), source: logins)
    }

    /// The selector of a `did(...)` condition.
    static func selector(_ condition: TypedExpr) -> EventSelector? {
        guard case .aggregate(let did) = condition.node else { return nil }
        return did.selector
    }

    @Test func retentionCountsEachDayOfEachCohort() throws {
        let sql = try compiler.retentionQuery(
            try cohorts(from: 1_780_000_000_000, to: 1_781_000_000_000), days: [0, 7], mode: .on, table: "db.messages",
            user: "node", account: "''")
        // The profiles grouped once: first seen, the return times and membership of pro.
        #expect(
            sql.hasSuffix(
                "FROM (SELECT node AS profile, countIf(\(Self.events)) AS cohort_events, minIf(time, \(Self.events)) "
                    + "AS cohort_start, \(Self.logins), (countIf((\(Self.events) AND name = 'Plan Upgraded')) > 0) "
                    + "AS cohort_member_0 FROM db.messages WHERE time <= 1782907200000 GROUP BY profile)"))
        let pro =
            "(cohort_events > 0 AND cohort_start >= 1780000000000 AND cohort_start < 1781000000000 AND cohort_member_0)"
        let baseline = "(cohort_events > 0 AND cohort_start >= 1780000000000 AND cohort_start < 1781000000000)"
        // Day 0 is over for d0 <= now - 1 day; day 7 for d0 <= now - 8 days, its returns 7 to 8 days after d0.
        let day0 = "cohort_start <= 1782820800000"
        let day7 = "cohort_start <= 1782216000000"
        let cells = [
            "countIf(MEMBER)", "countIf(MEMBER AND \(day0))",
            "countIf(MEMBER AND \(day0) AND arrayExists(t -> t - cohort_start >= 0 AND t - cohort_start < 86400000, cohort_times))",
            "countIf(MEMBER AND \(day7))",
            "countIf(MEMBER AND \(day7) AND arrayExists(t -> t - cohort_start >= 604800000 AND t - cohort_start < 691200000, cohort_times))",
        ]
        let columns = [pro, baseline].flatMap { member in
            cells.map { $0.replacingOccurrences(of: "MEMBER", with: member) }
        }
        #expect(sql.hasPrefix("SELECT \(columns.joined(separator: ", ")) FROM ("))
    }

    @Test func onOrAfterCountsAnyLaterReturn() throws {
        let sql = try compiler.retentionQuery(
            try cohorts(), days: [30], mode: .onOrAfter, table: "t", user: "node", account: "''")
        // All time: first seen is the one bound; day 30 is over for d0 <= now - 31 days.
        #expect(
            sql.hasPrefix(
                "SELECT countIf((cohort_events > 0 AND cohort_member_0)), countIf((cohort_events > 0 AND "
                    + "cohort_member_0) AND cohort_start <= 1780228800000), "))
        #expect(sql.contains("arrayExists(t -> t - cohort_start >= 2592000000, cohort_times))"))
        #expect(!sql.contains("t - cohort_start < "))
    }

    @Test func conversionCountsAGoalWithinTheSpan() throws {
        let sql = try compiler.conversionQuery(
            try cohorts(), within: 7 * 86_400_000, table: "t", user: "node", account: "''")
        // Eligible when d0 + 7 days <= now; converted by a goal in (d0, d0 + 7 days].
        let eligible = "cohort_start <= 1782302400000"
        let converted = "arrayExists(t -> t > cohort_start AND t - cohort_start <= 604800000, cohort_times)"
        let member = "(cohort_events > 0 AND cohort_member_0)"
        #expect(
            sql.hasPrefix(
                "SELECT countIf(\(member)), countIf(\(member) AND \(eligible)), "
                    + "countIf(\(member) AND \(eligible) AND \(converted)), countIf((cohort_events > 0)), "))
    }

    @Test func overlapGroupsProfilesByTheirCombination() throws {
        let segments = try ["pro", "quiet"].map { try #require(definitions.segment(named: $0)) }
        let sql = try compiler.overlapQuery(segments, table: "t", user: "node", account: "''")
        // The week before now: from 2026-06-24T12:00:00.001Z.
        let quiet = "(NOT (countIf((\(Self.events) AND time >= 1782302400001)) > 0))"
        #expect(
            sql
                == "SELECT membership_mask, count() FROM (SELECT node AS profile, "
                + "(toUInt64((countIf((\(Self.events) AND name = 'Plan Upgraded')) > 0)) * 1 + toUInt64(\(quiet)) * 2) "
                + "AS membership_mask FROM t WHERE time <= 1782907200000 GROUP BY profile HAVING membership_mask != 0) "
                + "GROUP BY membership_mask")
    }

    @Test func membershipListsEachMemberWithItsMask() throws {
        let segments = try ["logins", "pro"].map { try #require(definitions.segment(named: $0)) }
        let sql = try compiler.membershipQuery(segments, table: "t", user: "node", account: "''")
        // logins is bit 0 (1), pro bit 1 (2); profiles in neither are left out.
        #expect(
            sql
                == "SELECT node AS profile, (toUInt64((countIf((\(Self.events) AND name = 'Logged In')) > 0)) * 1 + "
                + "toUInt64((countIf((\(Self.events) AND name = 'Plan Upgraded')) > 0)) * 2) AS membership_mask "
                + "FROM t WHERE time <= 1782907200000 GROUP BY profile HAVING membership_mask != 0")
    }

    @Test func membershipOfAccountsGroupsByTheAccount() throws {
        let files = DefinitionFiles(["segments/teams.yaml": "of: accounts\nwhere: did(any)\n"])
        let teams = try #require(Definitions.load(files).segment(named: "teams"))
        let sql = try SQLCompiler(definitions: Definitions.load(files), now: Self.now, zone: .utc, earliest: 0)
            .membershipQuery([teams], table: "t", user: "node", account: "acct")
        // A group call's own groupId, else the account of the row's user; rows of no account left out.
        #expect(
            sql
                == "SELECT if(kind = \(Message.Kind.group.code), group_id, acct) AS profile, "
                + "(toUInt64((countIf((\(Self.events))) > 0)) * 1) AS membership_mask FROM t "
                + "WHERE time <= 1782907200000 GROUP BY profile HAVING profile != '' AND membership_mask != 0")
    }

    @Test func eventTimesAreSortedForTheNamedProfiles() throws {
        let logins = try #require(definitions.segment(named: "logins")).condition
        let sql = try compiler.eventTimesQuery(
            of: ["u1", "it's"], events: try #require(Self.selector(logins)), source: logins, table: "t", user: "node",
            account: "''")
        // The times gathered and sorted, of the named ids only (quoted as SQL strings).
        let times = "arraySort(groupArrayIf(time, (\(Self.events) AND name = 'Logged In'))) AS event_times"
        #expect(sql.hasPrefix("SELECT node AS profile, \(times) FROM t WHERE time <= 1782907200000 "))
        #expect(sql.hasSuffix("GROUP BY profile HAVING profile IN ('u1', 'it\\'s')"))
    }

    @Test func funnelCountsTheStepsReachedByEveryoneAndBySegment() throws {
        let logins = try #require(definitions.segment(named: "logins")).condition
        let pro = try #require(definitions.segment(named: "pro"))
        let sql = try compiler.funnelQuery(
            steps: [try #require(Self.selector(logins)), try #require(Self.selector(pro.condition))],
            within: 3_600_000, segments: [pro], source: logins, table: "t", user: "node", account: "''")
        // The times of each step's events; step 2 reached at the first upgrade after each login (never: the
        // largest Int64), counted when at most an hour after that login; the most steps of any login.
        // The arrays are gathered outside every lambda, bound to funnel_step0 and funnel_step1.
        let firsts = "groupArrayIf(time, (\(Self.events) AND name = 'Logged In'))"
        let upgrades = "arraySort(groupArrayIf(time, (\(Self.events) AND name = 'Plan Upgraded')))"
        let never = "toInt64(9223372036854775807)"
        let second =
            "arrayMap(p -> if(arrayExists(t -> t > p, funnel_step1), arrayFirst(t -> t > p, funnel_step1), \(never)), "
            + "funnel_step0)"
        let reached =
            "toFloat64(arrayReduce('max', arrayMap((funnel_step0, funnel_step1) -> arrayMap((a, r0) -> 1 + "
            + "(r0 != \(never) AND r0 - a <= 3600000), funnel_step0, \(second)), [\(firsts)], [\(upgrades)])[1]))"
        #expect(
            sql
                == "SELECT countIf(1 AND funnel_reached >= 1), countIf(1 AND funnel_reached >= 2), "
                + "countIf(funnel_member_0 AND funnel_reached >= 1), countIf(funnel_member_0 AND funnel_reached >= 2) "
                + "FROM (SELECT node AS profile, \(reached) AS funnel_reached, "
                + "(countIf((\(Self.events) AND name = 'Plan Upgraded')) > 0) AS funnel_member_0 "
                + "FROM t WHERE time <= 1782907200000 GROUP BY profile)")
    }

    @Test func overlapOfOneRunOfSegmentsCountsInOneQuery() throws {
        let segments = try ["pro", "quiet"].map { try #require(definitions.segment(named: $0)) }
        let queries = try compiler.overlapQueries(segments, table: "t", user: "node", account: "''")
        #expect(queries == .counts(try compiler.overlapQuery(segments, table: "t", user: "node", account: "''")))
    }

    @Test func overlapOfMoreSegmentsThanOneQueryHoldsListsEachRunsMembers() throws {
        // Seventeen segments, s00 to s16, each `did("E<n>")`: sixteen in the first query, one in the second.
        var files: [String: String] = [:]
        for n in 0..<17 { files[String(format: "segments/s%02d.yaml", n)] = "where: did(\"E\(n)\")\n" }
        let loaded = Definitions.load(DefinitionFiles(files))
        let segments = try (0..<17).map { try #require(loaded.segment(named: String(format: "s%02d", $0))) }
        let queries = try SQLCompiler(definitions: loaded, now: Self.now, zone: .utc, earliest: 0)
            .overlapQueries(segments, table: "t", user: "node", account: "''")
        func did(_ n: Int) -> String { "toUInt64((countIf((\(Self.events) AND name = 'E\(n)')) > 0))" }
        // Bit i of a run is its i-th segment: 1, 2, 4, ... 32768; the seventeenth is bit 0 of the second run.
        let first = [
            "\(did(0)) * 1", "\(did(1)) * 2", "\(did(2)) * 4", "\(did(3)) * 8", "\(did(4)) * 16", "\(did(5)) * 32",
            "\(did(6)) * 64", "\(did(7)) * 128", "\(did(8)) * 256", "\(did(9)) * 512", "\(did(10)) * 1024",
            "\(did(11)) * 2048", "\(did(12)) * 4096", "\(did(13)) * 8192", "\(did(14)) * 16384",
            "\(did(15)) * 32768",
        ]
        let listing = { (bits: String) in
            "SELECT node AS profile, (\(bits)) AS membership_mask FROM t WHERE time <= 1782907200000 "
                + "GROUP BY profile HAVING membership_mask != 0"
        }
        #expect(queries == .members([listing(first.joined(separator: " + ")), listing("\(did(16)) * 1")]))
    }

    @Test func overlapRunsArePutTogetherByProfile() throws {
        // a and e: s00 and s16 (bits 0 and 16, 65,537); b: s17 only (bit 1 of the second run, so bit 17,
        // 131,072); c: s00 and s15 (bits 0 and 15, 32,769); d: s16 only (bit 16, 65,536).
        let runs = [
            [["a", "1"], ["c", "32769"], ["e", "1"]],
            [["a", "1"], ["b", "2"], ["d", "1"], ["e", "1"]],
        ]
        #expect(
            try Evaluator.combinations(runs) == [65_537: 2, 131_072: 1, 32_769: 1, 65_536: 1])
        // A row that is not an id and a mask of at least one segment is an error, never a wrong count.
        #expect(throws: ClickHouseError.self) { try Evaluator.combinations([[["a", "0"]]]) }
        #expect(throws: ClickHouseError.self) { try Evaluator.combinations([[["a"]]]) }
    }

    @Test func aSelectionOutsideTheSubsetIsRefused() throws {
        var cohorts = try cohorts()
        let files = DefinitionFiles(["segments/x.yaml": "where: did(any where trait.plan = \"pro\")\n"])
        let traitInWhere = try #require(Definitions.load(files).segment(named: "x")).condition
        cohorts.events = try #require(Self.selector(traitInWhere))
        #expect(throws: SQLCompiler.Unsupported.self) {
            try compiler.conversionQuery(cohorts, within: 1, table: "t", user: "node", account: "''")
        }
    }
}
