import StrataCore
import StrataLanguage
import Testing

@testable import StrataClickHouse

/// The SQL of the constructs whose bounds are worked out at compile time: the literals below are
/// instants worked out by hand (2026-06-29 is a Monday).
@Suite struct SQLCompilerTests {
    /// 2026-07-01T12:00:00Z, a Wednesday.
    static let now: Int64 = 1_782_907_200_000
    /// 2026-06-15T08:00:00Z, a Monday.
    static let earliest: Int64 = 1_781_510_400_000

    func sql(
        _ condition: String, of kind: ProfileKind = .users, zone: Zone = .utc, now: Int64 = now,
        earliest: Int64 = earliest, files: [String: String] = [:]
    ) throws -> String {
        var files = files
        files["segments/s.yaml"] = "of: \(kind.rawValue)\nwhere: >\n  \(condition)\n"
        let definitions = Definitions.load(DefinitionFiles(files))
        #expect(definitions.diagnostics.isEmpty)
        let segment = try #require(definitions.segment(named: "s"))
        let compiler = SQLCompiler(definitions: definitions, now: now, zone: zone, earliest: earliest)
        return try compiler.membersQuery(segment, table: "db.messages", user: "node", account: "account_of_node")
    }

    @Test func countPeriodsHasOneConditionPerPeriod() throws {
        let sql = try sql(#"count_periods(week, did("A"), 2) >= 1"#)
        // This week: from Monday 2026-06-29 to now; last week: 2026-06-22 to the end of 2026-06-28.
        #expect(sql.contains("name = 'A' AND time >= 1782691200000)"))
        #expect(sql.contains("name = 'A' AND time >= 1782086400000 AND time <= 1782691199999)"))
        #expect(!sql.contains("1781481600000"))
    }

    @Test func streakReachesBackToTheWeekOfTheEarliestMessage() throws {
        let sql = try sql(#"streak(week, did("A")) >= 2"#)
        #expect(sql.contains("time >= 1782691200000)"))
        #expect(sql.contains("time >= 1782086400000 AND time <= 1782691199999)"))
        // The week of 2026-06-15 holds the earliest message; the week before is not compiled.
        #expect(sql.contains("time >= 1781481600000 AND time <= 1782086399999)"))
        #expect(!sql.contains("1780876800000"))
        // Earlier weeks count only when they end at or after first_seen.
        #expect(sql.contains("minIf(time, \(SQLCompiler.eventFilter)) <= 1782691199999)"))
        #expect(sql.contains("minIf(time, \(SQLCompiler.eventFilter)) <= 1782086399999)"))
    }

    @Test func streakRefusesTooManyPeriods() {
        // 3,700 days between the earliest message and now.
        #expect(throws: SQLCompiler.Unsupported.self) {
            try sql(#"streak(day, did("A")) >= 2"#, earliest: Self.now - 3_700 * 86_400_000)
        }
    }

    @Test func offsetsOfAZoneWithDaylightSaving() throws {
        let berlin = try #require(Zone(identifier: "Europe/Berlin"))
        // 2026-01-01T00:00Z to 2026-12-31T00:00Z: UTC+1, UTC+2 from 2026-03-29T01:00Z, UTC+1 again
        // from 2026-10-25T01:00Z.
        let offsets = SQLCompiler.zoneOffsets(berlin, from: 1_767_225_600_000, through: 1_798_675_200_000)
        #expect(offsets.initial == 3_600_000)
        #expect(offsets.changes.map(\.at) == [1_774_746_000_000, 1_792_890_000_000])
        #expect(offsets.changes.map(\.offset) == [7_200_000, 3_600_000])
        #expect(SQLCompiler.zoneOffsets(.utc, from: 1_767_225_600_000, through: 1_798_675_200_000).changes.isEmpty)
    }

    @Test func hoursAreLocal() throws {
        let berlin = try #require(Zone(identifier: "Europe/Berlin"))
        let summer = try sql(
            #"did("A" where $hour < 6)"#, zone: berlin, now: 1_782_907_200_000, earliest: 1_767_225_600_000)
        #expect(summer.contains("(time + multiIf(time < 1774746000000, 3600000, 7200000))"))
        let utc = try sql(#"did("A" where $hour < 6)"#)
        #expect(utc.contains("intDiv(time - (intDiv(time, 86400000) - (time % 86400000 < 0)) * 86400000, 3600000)"))
        #expect(!utc.contains("multiIf"))
    }

    @Test func weekdaysCountFromAThursday() throws {
        let sql = try sql(#"did("A" where $weekday = "sat")"#)
        #expect(sql.contains("(((intDiv(time, 86400000) - (time % 86400000 < 0)) + 3) % 7 + 7) % 7 + 1)"))
    }

    @Test func anchoredWindowsGatherTheRows() throws {
        let sql = try sql(#"count_distinct("A", feature, first 7d after "Start") >= 3"#)
        #expect(sql.contains("HAVING ifNull(toFloat64(arrayReduce('uniqExact', arrayMap(x -> x.2, arrayFilter(x -> "))
        #expect(sql.contains("x.1 - minIf(time, (") && sql.contains("name = 'Start')) < 604800000)"))
        #expect(sql.contains("(countIf((") && sql.contains("name = 'Start')) > 0)"))
    }

    @Test func notFollowedByComparesMilliseconds() throws {
        let sql = try sql(#"not_followed_by("A", "B", within: 2h, last 1d)"#)
        // An A counts only when a + 2h <= now; a B follows it when a < b <= a + 2h. The times of both are
        // gathered outside every lambda, as one-element arrays bound to names.
        #expect(
            sql.contains(
                "HAVING arrayMap((seq_firsts, seq_seconds) -> arrayExists(a -> a <= 1782900000000 AND NOT "
                    + "arrayExists(b -> b > a AND b - a <= 7200000, seq_seconds), seq_firsts), [groupArrayIf(time, ("))
        // A is restricted to the last day, B is not.
        #expect(sql.contains("name = 'A' AND time >= 1782820800001)"))
        #expect(sql.contains("name = 'B')"))
    }

    @Test func topOrdersTiesByTypeThenValue() throws {
        let sql = try sql(#"top("A", feature) = "x""#)
        // The most carried value first, ties to the smallest (type code, number, string).
        #expect(sql.contains("arraySort((v, c) -> (-c, v), arrayDistinct(arrayMap(x -> (x.2, x.3, x.4), "))
        #expect(
            sql.contains(
                "groupArrayIf(tuple(time, types[indexOf(keys, 'feature')], (nums[indexOf(keys, 'feature')] + 0), strs[indexOf(keys, 'feature')])"
            ))
        #expect(sql.contains("types[indexOf(keys, 'feature')] NOT IN (0, 4))"))
        #expect(Row.TypeCode.number < Row.TypeCode.string && Row.TypeCode.string < Row.TypeCode.bool)
        #expect(Row.TypeCode.bool < Row.TypeCode.other)
    }

    @Test func weightedScoresAddInTheInputsOrder() throws {
        let score = """
            kind: weighted
            inputs:
              - expr: count("A") / 4
                weight: 30
                normalize: clamp
              - expr: did("B")
                weight: 10
                missing: 0.5
            """
        let sql = try sql("score.s2 > 70", files: ["scores/s2.yaml": score])
        // 100 × (0 + 30 × clamp(count / 4) + 10 × did) / 40, a missing input taking its `missing`: the clamp
        // of a missing input is missing (current ClickHouse's `greatest` skips NULL, 18.16's answered NULL).
        #expect(
            sql.contains(
                "(toFloat64(100) * ((toFloat64(0.0) + toFloat64(30.0) * ifNull(if(isNull(")
        )
        #expect(sql.contains(", 0), 1)), toFloat64(0.0))) + toFloat64(10.0) * ifNull(if(isNull("))
        #expect(sql.contains(", 0), 1)), toFloat64(0.5))) / toFloat64(40.0)) > toFloat64(70.0)"))
    }

    @Test func percentilesRankAgainstOnePopulationPass() throws {
        let sql = try sql(
            #"percentile(count("A"), among: "p") >= 75"#, files: ["segments/p.yaml": "where: did(\"B\")\n"])
        // One scan of the population, as of now, with membership of p; this profile's count looked up.
        #expect(sql.ranges(of: "(SELECT (arrayPushFront(arrayMap").count == 1)
        #expect(
            sql.contains("FROM db.messages WHERE time <= 1782907200000 GROUP BY profile) WHERE isNotNull(ranked_value)")
        )
        #expect(sql.contains("SELECT node AS profile, toFloat64(countIf("))
        #expect(
            sql.contains("toFloat64(100.0) * toFloat64(transform(reinterpretAsString(assumeNotNull(toFloat64(countIf("))
        #expect(sql.contains(" + 0 AS ranked_value, toUInt64((countIf("))
    }

    @Test func containsReadsStringsAndTheElementsOfArrays() throws {
        let sql = try sql(#"did("A" where tags contains "x")"#)
        // A string holding "x", or an array with the element "x" (its JSON text `"x"`) at depth 1.
        #expect(
            sql.contains("multiIf(types[indexOf(keys, 'tags')] = 2, position(strs[indexOf(keys, 'tags')], 'x') > 0, "))
        #expect(sql.contains("types[indexOf(keys, 'tags')] = 5 AND startsWith(strs[indexOf(keys, 'tags')], '['), "))
        #expect(sql.contains("arrayExists((k, d) -> d = 1 AND k = '\"x\"', extractAll(strs[indexOf(keys, 'tags')], "))
    }

    @Test func funnelsReachEachStepAfterThePrevious() throws {
        let sql = try sql(#"funnel("A", "B", "C", within: 1h) >= 2"#)
        let never = "toInt64(9223372036854775807)"
        // Step B reached after each A, then step C after that; each counted when within 1h of the A.
        let b =
            "arrayMap(p -> if(arrayExists(t -> t > p, funnel_step1), arrayFirst(t -> t > p, funnel_step1), \(never)), funnel_step0)"
        #expect(sql.contains(b))
        #expect(
            sql.contains(
                "arrayMap(p -> if(arrayExists(t -> t > p, funnel_step2), arrayFirst(t -> t > p, funnel_step2), \(never)), \(b))"
            ))
        #expect(
            sql.contains(
                "arrayMap((a, r0, r1) -> 1 + (r0 != \(never) AND r0 - a <= 3600000) + (r1 != \(never) AND r1 - a <= 3600000), "
                    + "funnel_step0, \(b), "))
        // The steps' times gathered outside every lambda, bound to those names.
        #expect(
            sql.contains(
                "HAVING ifNull(toFloat64(arrayReduce('max', arrayMap((funnel_step0, funnel_step1, funnel_step2) -> "))
        #expect(
            sql.contains(
                ", [groupArrayIf(time, (\(SQLCompiler.eventFilter) AND name = 'A'))], "
                    + "[arraySort(groupArrayIf(time, (\(SQLCompiler.eventFilter) AND name = 'B')))], "
                    + "[arraySort(groupArrayIf(time, (\(SQLCompiler.eventFilter) AND name = 'C')))])[1]))"))
    }

    @Test func stagesAreTheFirstThatHolds() throws {
        let model = """
            stages:
              - new: days_since_first(any) < 14
              - active: did(any, last 14d)
              - churned: else
            """
        let full = try sql(#"stage.life = "active""#, files: ["stages/life.yaml": model])
        #expect(full.contains("HAVING ifNull(multiIf("))
        #expect(full.contains(" < toFloat64(14.0), 0), toNullable('new'), (countIf("))
        #expect(
            full.contains(
                " AND time >= 1781697600001)) > 0), toNullable('active'), toNullable('churned')) = 'active', 0)"))
        let partial = try sql(#"stage.life = "x""#, files: ["stages/life.yaml": "stages:\n  - new: did(any)\n"])
        #expect(
            partial.contains(
                "multiIf((countIf((\(SQLCompiler.eventFilter))) > 0), toNullable('new'), CAST(NULL AS Nullable(String)))"
            ))
    }

    @Test func accountSegmentsGroupRowsByTheAccountOfTheirUser() throws {
        let sql = try sql(#"trait.plan = "pro""#, of: .accounts)
        // A group call belongs to the account it names, any other row to its user's account.
        #expect(sql.hasPrefix("SELECT if(kind = 4, group_id, account_of_node) AS profile FROM db.messages "))
        // Account traits are latest-wins over the group calls; rows of users without an account are left out.
        #expect(sql.contains("argMaxIf(types[indexOf(keys, 'plan')], (time, received_at, seq), kind = 4 AND has("))
        #expect(sql.contains(" GROUP BY profile HAVING profile != '' AND "))
        #expect(sql.hasSuffix(" ORDER BY profile"))
    }

    @Test func accountReferencesLookUpTheUsersAccount() throws {
        let sql = try sql(#"account.count("A", last 7d) >= 2 and not account.did("B")"#)
        // Each account's value from one pass over the accounts, read at the position of the user's account.
        #expect(sql.contains("transform(argMaxIf(group_id, (time, received_at, seq), kind = 4), tupleElement((("))
        #expect(sql.contains(" AS account_value_0 FROM db.messages WHERE time <= 1782907200000 GROUP BY profile "))
        #expect(sql.contains("HAVING profile != ''"))
        #expect(
            sql.ranges(of: "SELECT arraySort(x -> x.1, groupArray(tuple(profile, account_value_0))) AS g").count == 2)
        // Users without an account: position 0, where a number is NULL (missing) and a condition 0.
        #expect(sql.contains("arrayPushFront(arrayEnumerate(g), toUInt32(0))"))
        #expect(sql.contains("HAVING (ifNull(arrayElement(identity(tupleElement(account_values_"))
        #expect(sql.contains("AND (NOT arrayElement(identity(tupleElement(account_values_"))
    }

    @Test func countUsersCountsTheAccountsUsersForWhomItHolds() throws {
        let sql = try sql(#"count_users(did("A", last 1d)) >= 2"#, of: .accounts)
        #expect(
            sql.contains(
                "SELECT user_account, sum(held) AS user_count FROM (SELECT node AS profile, argMaxIf(group_id, "
                    + "(time, received_at, seq), kind = 4) AS user_account, toUInt64((countIf("))
        #expect(sql.contains("AND time >= 1782820800001)) > 0)) AS held FROM db.messages WHERE time <= 1782907200000 "))
        #expect(sql.contains("WHERE user_account != '' GROUP BY user_account"))
        // Looked up by the account being grouped.
        #expect(
            sql.contains("HAVING profile != '' AND ifNull(toFloat64(arrayElement(identity(tupleElement(account_users_"))
        #expect(sql.contains("), transform(profile, tupleElement(((SELECT (arrayPushFront("))
    }

    @Test func userIsTheProfilesUserIdOnEveryEventOfTheProfile() throws {
        let sql = try sql(#"count_distinct(any, $user) = 1 and did(any where $user = "u")"#)
        // The id of the row's profile (anonymous events merged into a user included), when some message
        // of that profile carries a userId.
        let hasUser = "node GLOBAL IN (SELECT node FROM db.messages WHERE time <= 1782907200000 AND user_id != '')"
        #expect(
            sql.contains("uniqExactIf(toUInt8(2), toFloat64(0), node, ((\(SQLCompiler.eventFilter)) AND \(hasUser)))"))
        #expect(sql.contains("ifNull(if(\(hasUser), toNullable(node), CAST(NULL AS Nullable(String))) = 'u', 0)"))
        #expect(!sql.contains("user_id = ''"))
    }

    @Test func accountReferencesAreRefusedInSegmentsOfAccounts() throws {
        let files = [
            "segments/a.yaml": "of: accounts\nwhere: did(any)\n",
            "segments/u.yaml": "where: segment(\"a\")\n",
        ]
        let definitions = Definitions.load(DefinitionFiles(files))
        let segment = try #require(definitions.segment(named: "a"))
        let compiler = SQLCompiler(definitions: definitions, now: Self.now, zone: .utc, earliest: Self.earliest)
        // A users' reading of an account segment (which the checker reports too) is refused, never compiled.
        #expect(throws: SQLCompiler.Unsupported.self) {
            try compiler.over(.users).reference(segment.name, segment.condition)
        }
        #expect(try compiler.over(.accounts).reference(segment.name, segment.condition).hasPrefix("(countIf("))
    }

    @Test func listingsSelectEventsAndTraitsBeforeTheCondition() throws {
        let definitions = Definitions.load(DefinitionFiles(["segments/s.yaml": "where: did(any)\n"]))
        let segment = try #require(definitions.segment(named: "s"))
        let compiler = SQLCompiler(definitions: definitions, now: Self.now, zone: .utc, earliest: Self.earliest)
        let sql = try compiler.membersQuery(
            segment, table: "db.messages", user: "node", account: "''", traits: [["plan"], ["name"]])
        let events = SQLCompiler.eventFilter
        let plan = "(time, received_at, seq), kind = 1 AND has(keys, 'plan')"
        #expect(
            sql.hasPrefix(
                "SELECT node AS profile, countIf(\(events)), minIf(time, \(events)), maxIf(time, \(events)), "
                    + "argMaxIf(types[indexOf(keys, 'plan')], \(plan)), argMaxIf(nums[indexOf(keys, 'plan')], \(plan)), "
                    + "argMaxIf(strs[indexOf(keys, 'plan')], \(plan)), argMaxIf(types[indexOf(keys, 'name')], "))
        #expect(sql.hasSuffix("GROUP BY profile HAVING (countIf((\(events))) > 0) ORDER BY profile"))
        #expect(throws: SQLCompiler.Unsupported.self) {
            try compiler.membersQuery(segment, table: "t", user: "node", account: "''", traits: [["address", "city"]])
        }
    }
}
