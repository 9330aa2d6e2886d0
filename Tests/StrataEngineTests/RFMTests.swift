import StrataCore
import StrataEngine
import StrataLanguage
import Testing

/// RFM: bins by rank with ties, recency inverted, the population, and both segment maps.
@Suite struct RFMTests {
    let now = t("2026-07-01T00:00:00Z")

    /// RFM over three traits: `days` (recency), `f` and `m`.
    func traitFixture(_ profiles: [(id: String, days: Double, f: Double, m: Double)], map: String) -> Fixture {
        var fixture = Fixture()
        for profile in profiles {
            fixture.identify(
                profile.id, ["days": .number(profile.days), "f": .number(profile.f), "m": .number(profile.m)],
                at: now - day)
        }
        fixture.files["rfm.yaml"] = """
            recency: trait.days
            frequency: trait.f
            monetary: trait.m
            map: \(map)

            """
        return fixture
    }

    /// Every value of a profile: r, f, m, score and segment.
    func row(_ engine: Engine, _ id: String) throws -> [Value] {
        let result = try engine.rfm()
        let index = try #require(engine.population.userIndex(forID: id))
        return RFMField.allCases.map { result.value($0, of: index) }
    }

    @Test func tiesShareABinAndRecencyIsInverted() throws {
        // 7 ranked profiles. Frequency 1 2 2 2 5 7 7: strictly worse 0 1 1 1 4 5 5, so bins
        // 1 + floor(5 × worse / 7) = 1 1 1 1 3 4 4 (the two 7s tie below 5). Recency days 30 10 3 3 1 1 0.5:
        // strictly worse (more days) 0 1 2 2 4 4 6, bins 1 1 2 2 3 3 5. Monetary is 10 for everyone: bin 1.
        let profiles: [(id: String, days: Double, f: Double, m: Double)] = [
            ("a", 30, 1, 10), ("b", 10, 2, 10), ("c", 3, 2, 10), ("d", 3, 2, 10), ("e", 1, 5, 10),
            ("f", 1, 7, 10), ("g", 0.5, 7, 10), ("out", 2, 0, 10),
        ]
        let engine = try traitFixture(profiles, map: "standard").engine(asOf: now)
        let expected: [(String, Double, Double, String)] = [
            ("a", 1, 1, "111"), ("b", 1, 1, "111"), ("c", 2, 1, "211"), ("d", 2, 1, "211"), ("e", 3, 3, "331"),
            ("f", 3, 4, "341"), ("g", 5, 4, "541"),
        ]
        for (id, r, f, score) in expected {
            let values = try row(engine, id)
            #expect(values[0] == .number(r), "\(id)")
            #expect(values[1] == .number(f), "\(id)")
            #expect(values[2] == .number(1), "\(id)")
            #expect(values[3] == .string(score), "\(id)")
        }
        #expect(try row(engine, "out") == [.missing, .missing, .missing, .missing, .missing])
        #expect(try engine.rfm().rankedCount == 7)
    }

    @Test func rankingRawValuesWithAMissingOne() {
        // What ClickHouse's raw values go through. Members 0-2, profile 3 outside the population.
        // Frequency 3, missing, 3 among 3 members: the missing one is worse than both 3s, so each 3 has
        // 1 strictly worse (bin 1 + floor(5 × 1 / 3) = 2) and the missing one 0 (bin 1). Recency days
        // 1, 2, 3: 2, 1 and 0 members with more days, bins 1 + floor(10 / 3) = 4, 1 + 1 = 2 and 1.
        // Monetary 5 for all: bin 1.
        let result = RFMResult.ranking(
            kind: .users, recency: [1, 2, 3, 0], frequency: [3, .nan, 3, 9], monetary: [5, 5, 5, 5],
            members: [true, true, true, false], map: .standard)
        #expect(result.r == [4, 2, 1, 0])
        #expect(result.f == [2, 1, 2, 0])
        #expect(result.m == [1, 1, 1, 0])
        #expect(result.rankedCount == 3)
        #expect(result.segment[3] == -1)
        #expect(result.value(.score, of: 0) == .string("421"))
    }

    @Test func anAllEqualPopulationIsOneBin() throws {
        // Nobody has a strictly worse value, so everyone is 1 + floor(5 × 0 / 4) = 1 on every axis.
        let profiles: [(id: String, days: Double, f: Double, m: Double)] = [
            ("a", 4, 3, 9), ("b", 4, 3, 9), ("c", 4, 3, 9), ("d", 4, 3, 9),
        ]
        let engine = try traitFixture(profiles, map: "standard").engine(asOf: now)
        for id in ["a", "b", "c", "d"] {
            #expect(try row(engine, id) == [.number(1), .number(1), .number(1), .string("111"), .string("Lost")])
        }
    }

    /// 20 profiles whose bins equal the values they are given: each value 1-5 appears 4 times on each
    /// axis, so a value v has 4 × (v - 1) strictly worse values and bin 1 + floor(5 × 4(v - 1) / 20) = v
    /// (recency days are 6 - r). Together they reach every named cell of both maps.
    static let cells: [(id: String, r: Double, f: Double, m: Double, standard: String, seed: String)] = [
        ("p01", 5, 5, 5, "Champions", "Champions"),
        ("p02", 3, 3, 3, "Loyal Customers", "Average"),
        ("p03", 4, 2, 1, "Potential Loyalist", "Other"),
        ("p04", 5, 1, 2, "New Customers", "New Customers"),
        ("p05", 3, 1, 4, "Promising", "Other"),
        ("p06", 2, 2, 2, "Need Attention", "Other"),
        ("p07", 2, 1, 5, "About to Sleep", "Lost High-Value"),
        ("p08", 1, 5, 4, "Can't Lose Them", "Other"),
        ("p09", 1, 4, 1, "At Risk", "Other"),
        ("p10", 1, 2, 3, "Hibernating", "Other"),
        ("p11", 1, 1, 1, "Lost", "Lost Low-Value"),
        ("p12", 5, 4, 4, "Champions", "Loyal Customers"),
        ("p13", 4, 4, 5, "Champions", "At-Risk High Value"),
        ("p14", 2, 5, 5, "At Risk", "About-to-Churn"),
        ("p15", 5, 5, 4, "Champions", "Loyal Customers"),
        ("p16", 4, 4, 3, "Loyal Customers", "Other"),
        ("p17", 4, 3, 2, "Loyal Customers", "Other"),
        ("p18", 3, 3, 1, "Loyal Customers", "Other"),
        ("p19", 3, 3, 3, "Loyal Customers", "Average"),
        ("p20", 2, 2, 2, "Need Attention", "Other"),
    ]

    @Test(arguments: ["standard", "seed"])
    func segmentMapsReachEveryNamedCell(map: String) throws {
        let profiles = Self.cells.map { (id: $0.id, days: 6 - $0.r, f: $0.f, m: $0.m) }
        let engine = try traitFixture(profiles, map: map).engine(asOf: now)
        for cell in Self.cells {
            let values = try row(engine, cell.id)
            #expect(Array(values.prefix(3)) == [.number(cell.r), .number(cell.f), .number(cell.m)], "\(cell.id)")
            #expect(values[4] == .string(map == "seed" ? cell.seed : cell.standard), "\(cell.id)")
        }
        let rows = map == "seed" ? RFMRow.seed : RFMRow.standard
        let counts = try engine.rfm().segmentCounts
        #expect(counts.map(\.name) == rows.map(\.name))
        #expect(counts.allSatisfy { $0.count > 0 })
    }

    @Test func theRGridCountsProfilesByRecencyAndFrequency() throws {
        let profiles = Self.cells.map { (id: $0.id, days: 6 - $0.r, f: $0.f, m: $0.m) }
        let grid = try traitFixture(profiles, map: "standard").engine(asOf: now).rfm().grid
        // R5: p01 (F5), p04 (F1), p12 (F4), p15 (F5). R1: p08 (F5), p09 (F4), p10 (F2), p11 (F1).
        #expect(grid[4] == [1, 0, 0, 1, 2])
        #expect(grid[0] == [1, 1, 0, 1, 1])
        #expect(grid.joined().reduce(0, +) == 20)
    }

    @Test func defaultsReadOrdersOfTheLastYear() throws {
        var f = Fixture()
        f.track("a", "Order Completed", at: now - day, ["revenue": 50])
        f.track("a", "Order Completed", at: now - 10 * day, ["revenue": 30])
        f.track("b", "Order Completed", at: now - 5 * day, ["revenue": 200])
        f.track("c", "Order Completed", at: now - 400 * day, ["revenue": 99])
        f.track("c", "Order Completed", at: now - 100 * day, ["revenue": 10])
        f.track("d", "Order Completed", at: now - 400 * day, ["revenue": 70])
        f.track("e", "Order Completed", at: now + day, ["revenue": 70])
        f.identify("n", at: now - day)
        f.segment("sleepy", #"rfm.segment = "About to Sleep""#)
        f.segment("recent", "rfm.r >= 4")
        let engine = try f.engine(asOf: now)
        let result = try engine.rfm()
        // Ranked: a (1 day, 2 orders, 80), b (5, 1, 200), c (100, 1, 10: the order 400 days ago is outside
        // the year). d ordered only 400 days ago: frequency 0, not ranked; e's only message is after now, so
        // e is not even a profile yet.
        // r: worse 2, 1, 0 of 3 -> 4, 2, 1. f: 2, 0, 0 -> 4, 1, 1. m: 1, 2, 0 -> 2, 4, 1.
        let expected: [(String, [Double], [Value])] = [
            ("a", [1, 2, 80], [.number(4), .number(4), .number(2), .string("442"), .string("Loyal Customers")]),
            ("b", [5, 1, 200], [.number(2), .number(1), .number(4), .string("214"), .string("About to Sleep")]),
            ("c", [100, 1, 10], [.number(1), .number(1), .number(1), .string("111"), .string("Lost")]),
        ]
        for (id, raw, values) in expected {
            let index = try #require(engine.population.userIndex(forID: id))
            #expect([result.recency[index], result.frequency[index], result.monetary[index]] == raw, "\(id)")
            #expect(try row(engine, id) == values, "\(id)")
        }
        #expect(engine.population.userIndex(forID: "e") == nil)
        for id in ["d", "n"] {
            #expect(try row(engine, id) == [.missing, .missing, .missing, .missing, .missing], "\(id)")
        }
        #expect(try engine.segment(named: "sleepy").members == ["b"])
        #expect(try engine.segment(named: "recent").members == ["a"])
    }

    @Test func aPopulationExpressionAndMissingValuesRankLast() throws {
        var f = Fixture()
        f.track("x", "P", at: now - 2 * day)
        f.track("y", "P", at: now - 2 * day)
        f.track("z", "P", at: now - 2 * day)
        f.identify("x", ["mrr": 10], at: now - day)
        f.identify("z", ["mrr": 5], at: now - day)
        f.identify("w", ["mrr": 500], at: now - day)
        f.files["rfm.yaml"] = """
            recency: days_since("P")
            frequency: count("P")
            monetary: trait.mrr
            population: did("P")

            """
        let engine = try f.engine(asOf: now)
        // Monetary among x, y, z: y's is missing, worse than both others. x: 2 worse -> 1 + floor(10 / 3) = 4;
        // z: 1 worse -> 2; y: 1. Recency and frequency tie: 1. w did no "P": not ranked.
        #expect(try row(engine, "x") == [.number(1), .number(1), .number(4), .string("114"), .string("Lost")])
        #expect(try row(engine, "z") == [.number(1), .number(1), .number(2), .string("112"), .string("Lost")])
        #expect(try row(engine, "y") == [.number(1), .number(1), .number(1), .string("111"), .string("Lost")])
        #expect(try row(engine, "w") == [.missing, .missing, .missing, .missing, .missing])
        let y = try #require(engine.population.userIndex(forID: "y"))
        #expect(try engine.rfm().monetary[y].isNaN)
    }

    @Test func accountsAreRankedOnTheirUsersEvents() throws {
        var f = Fixture()
        f.group("x", "a1", at: now - 20 * day)
        f.group("y", "a1", at: now - 20 * day)
        f.group("z", "a2", at: now - 20 * day)
        f.track("x", "Order Completed", at: now - day, ["revenue": 10])
        f.track("y", "Order Completed", at: now - 3 * day, ["revenue": 20])
        f.track("z", "Order Completed", at: now - 10 * day, ["revenue": 5])
        f.segment("loyal-accounts", of: .accounts, #"rfm.segment = "Loyal Customers""#)
        let engine = try f.engine(asOf: now)
        // a1: 1 day, 2 orders, 30; a2: 10 days, 1 order, 5. Two ranked accounts: a1 has 1 worse on each
        // axis, 1 + floor(5 / 2) = 3 (Loyal Customers); a2 is 111 (Lost).
        let result = try engine.rfm(kind: .accounts)
        let a1 = try #require(engine.population.index(forID: "a1", kind: .accounts))
        let a2 = try #require(engine.population.index(forID: "a2", kind: .accounts))
        #expect([result.recency[a1], result.frequency[a1], result.monetary[a1]] == [1, 2, 30])
        #expect(result.value(.score, of: a1) == .string("333"))
        #expect(result.value(.score, of: a2) == .string("111"))
        #expect(try engine.segment(named: "loyal-accounts").members == ["a1"])
    }

    @Test func aCustomMapLeavesUnmatchedProfilesWithoutASegment() throws {
        let profiles: [(id: String, days: Double, f: Double, m: Double)] = [("low", 9, 1, 1), ("high", 1, 9, 9)]
        let map = """

              - name: Best
                r: 4-5
                f: "5"
            """
        let engine = try traitFixture(profiles, map: map).engine(asOf: now)
        // Two ranked profiles: the better one has 1 worse -> 1 + floor(5 / 2) = 3 on every axis.
        #expect(try row(engine, "high") == [.number(3), .number(3), .number(3), .string("333"), .missing])
        #expect(try row(engine, "low") == [.number(1), .number(1), .number(1), .string("111"), .missing])
    }
}
