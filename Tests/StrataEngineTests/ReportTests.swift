import StrataCore
import StrataEngine
import Testing

/// The reports' statistics against statsmodels 0.15 and lifelines 0.30 (values printed by them), and
/// the counting rules of retention, conversion, funnels, overlap and stays on cases worked out by hand.
struct ReportTests {
    func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    @Test func intervalsAndTestMatchStatsmodels() throws {
        // proportion_confint(7, 23, method="wilson")
        let wilson = try #require(Statistics.wilson(7, of: 23))
        #expect(close(wilson.lowerBound, 0.1560402445321402) && close(wilson.upperBound, 0.5086575626875921))
        #expect(close(Statistics.wilson(0, of: 5)?.upperBound, 0.43448246478317487))
        // confint_proportions_2indep(30, 80, 12, 90, method="newcomb", compare="diff")
        let difference = try #require(
            Statistics.newcombe(Statistics.Proportion(30, of: 80), Statistics.Proportion(12, of: 90)))
        #expect(close(difference.lowerBound, 0.1116297752424649) && close(difference.upperBound, 0.3643887397110677))
        let equal = try #require(
            Statistics.newcombe(Statistics.Proportion(5, of: 10), Statistics.Proportion(5, of: 10)))
        #expect(close(equal.lowerBound, -0.3725136238199143) && close(equal.upperBound, 0.3725136238199143))
        // proportions_ztest([30, 12], [80, 90])
        let test = try #require(
            Statistics.twoProportionTest(Statistics.Proportion(30, of: 80), Statistics.Proportion(12, of: 90)))
        #expect(close(test.z, 3.646513541988397) && close(test.p, 0.0002658224752222611, 1e-12))
        #expect(Statistics.twoProportionTest(Statistics.Proportion(0, of: 10), Statistics.Proportion(0, of: 5)) == nil)
        #expect(Statistics.newcombe(Statistics.Proportion(0, of: 0), Statistics.Proportion(1, of: 2)) == nil)
    }

    @Test func kaplanMeierMatchesLifelines() throws {
        // KaplanMeierFitter().fit([1,2,2,3,4,4,5,7,8,10], [1,1,0,1,1,1,0,1,0,1])
        let durations: [(Int64, Bool)] = [
            (1, true), (2, true), (2, false), (3, true), (4, true), (4, true), (5, false), (7, true), (8, false),
            (10, true),
        ]
        let estimate = KaplanMeier(durations.map { (duration: $0.0, ended: $0.1) })
        let expected: [(Int64, Double, Double, Double)] = [
            (1, 0.9, 0.473009, 0.985281), (2, 0.8, 0.408691, 0.945873), (3, 0.685714, 0.304585, 0.887148),
            (4, 0.457143, 0.142982, 0.729779), (5, 0.457143, 0.142982, 0.729779), (7, 0.304762, 0.053534, 0.617368),
        ]
        for (t, survival, low, high) in expected {
            #expect(close(estimate.survival(at: t), survival, 1e-6), "S(\(t))")
            let interval = try #require(estimate.interval(at: t))
            #expect(close(interval.lowerBound, low, 1e-6) && close(interval.upperBound, high, 1e-6), "CI(\(t))")
        }
        #expect(estimate.survival(at: 0) == 1)
        #expect(estimate.survival(at: 10) == 0)
        #expect(estimate.interval(at: 10) == nil)
        #expect(estimate.median == 4)
        #expect(estimate.atRisk(at: 4) == 6)
        #expect(KaplanMeier([]).median == nil)
    }

    @Test func retentionCountsWholeDaysAndEdges() {
        let day = Cohorts.day
        let t0: Int64 = 1_782_777_600_000
        // a returns exactly at d0 + 1 day (day 1 in both modes); b at d0 + 2 days - 1 ms (day 1) and
        // d0 + 3 days (on-or-after day 2 only); c never returns; d started 5 days later: as of d0 + 8 days
        // it has had days 0 to 2 whole, not day 7.
        let events = EventTimes([[t0, t0 + day], [t0 + 2 * day - 1, t0 + 3 * day], [], [t0 + 6 * day]])
        let members = [
            Cohorts.Member(start: t0, profile: 0), Cohorts.Member(start: t0, profile: 1),
            Cohorts.Member(start: t0, profile: 2), Cohorts.Member(start: t0 + 5 * day, profile: 3),
        ]
        let asOf = t0 + 8 * day
        let on = Cohorts.retention(members, events: events, days: [0, 1, 2, 7], mode: .on, asOf: asOf)
        #expect(on.map(\.eligible) == [4, 4, 4, 3])
        #expect(on.map(\.returned) == [1, 3, 0, 0])
        #expect(on.map(\.partial) == [false, false, false, true])
        let after = Cohorts.retention(members, events: events, days: [0, 1, 2, 7], mode: .onOrAfter, asOf: asOf)
        #expect(after.map(\.returned) == [3, 3, 1, 0])
        // Nobody has reached day 30: an empty cell, not 0%.
        let empty = Cohorts.retention(members, events: events, days: [30], mode: .on, asOf: asOf)[0]
        #expect(empty.eligible == 0 && empty.proportion.rate == nil)
        // Conversion in (d0, d0 + 2 days]: a (at +1 day), b (at +2 days - 1 ms) and d (at +1 day); a goal
        // at d0 itself (a's first event) does not count. Within 4 days d is not eligible yet.
        let conversion = Cohorts.conversion(members, events: events, within: 2 * day, asOf: asOf)
        #expect(conversion == Statistics.Proportion(3, of: 4))
        #expect(
            Cohorts.conversion(members, events: events, within: 4 * day, asOf: asOf) == Statistics.Proportion(2, of: 3))
        // A profile the timelines do not hold has no events.
        #expect(
            Cohorts.conversion([Cohorts.Member(start: t0, profile: nil)], events: events, within: day, asOf: asOf)
                == Statistics.Proportion(0, of: 1))
    }

    @Test func funnelStepsComeInOrderWithinTheSpan() {
        // Step 1 at 0 and 100; step 2 at 50 and 160; step 3 at 170. From 0: 50 then 170 is past 0 + 120.
        // From 100: 160 then 170, within 100 + 120: all three.
        #expect(Funnel.reached([[0, 100], [50, 160], [170]], within: 120) == 3)
        #expect(Funnel.reached([[0], [50, 160], [170]], within: 120) == 2)
        // A step at the same instant as the previous one does not count: each comes after.
        #expect(Funnel.reached([[10], [10], [20]], within: 100) == 1)
        #expect(Funnel.reached([[], [10]], within: 100) == 0)
        #expect(Funnel.counts([0, 1, 3, 2, 3], steps: 3) == [4, 3, 2])
    }

    @Test func overlapPairsAndExclusiveCombinations() {
        // Profiles 0-5: a holds 1-4, b holds 3-5, c nobody; profile 0 is in none.
        let sets = Overlap.Combinations(
            names: ["a", "b", "c"],
            flags: [
                [false, true, true, true, true, false], [false, false, false, true, true, true],
                [false, false, false, false, false, false],
            ])
        // Profiles 1-2 in a only (mask 1), 3-4 in a and b (3), 5 in b only (2).
        #expect(sets.counts == [1: 2, 3: 2, 2: 1])
        let pairs = sets.pairs
        #expect(pairs.map { "\($0.a)\($0.b)" } == ["ab", "ac", "ba", "bc", "ca", "cb"])
        #expect(pairs[0].count == 2 && pairs[0].jaccard == 2.0 / 5 && pairs[0].containment == 0.5)
        #expect(pairs[2].containment == 2.0 / 3)
        #expect(pairs[4].containment == nil && pairs[4].jaccard == 0)
        #expect(sets.sizes == [4, 3, 0])
        // 130 profiles, past two words of bits: the 65th and the 129th are in both.
        var wide = [Bool](repeating: false, count: 130)
        wide[64] = true
        wide[128] = true
        let both = Overlap.Combinations(names: ["x", "y"], flags: [wide, wide]).pairs
        #expect(both[0].count == 2 && both[0].jaccard == 1)
        let exclusive = sets.exclusive
        #expect(exclusive.map(\.segments) == [["a"], ["a", "b"], ["b"]])
        #expect(exclusive.map(\.count) == [2, 2, 1])
        // Counted elsewhere (ClickHouse's masks), the 64th segment included; a mask of 0 is left out.
        let counted = Overlap.Combinations(
            names: (0..<64).map { "s\($0)" }, counts: [0: 9, 1 << 63: 4, 1 << 63 | 1: 3, 1: 5])
        #expect(counted.counts.count == 3)
        #expect(counted.sizes[0] == 8 && counted.sizes[63] == 7 && counted.sizes[1] == 0)
        let last = counted.pairs.first { $0.a == "s63" && $0.b == "s0" }
        #expect(last?.count == 3 && last?.jaccard == 3.0 / 12 && last?.containment == 3.0 / 7)
        #expect(counted.exclusive.map(\.segments) == [["s0"], ["s63"], ["s0", "s63"]])
    }

    @Test func staysAndSizesFromTheChangeLog() {
        func change(_ profile: String, _ entered: Bool, _ instant: Int64) -> MembershipChange {
            MembershipChange(segment: "s", profile: profile, entered: entered, instant: instant, cause: .time)
        }
        let changes = [
            change("ann", false, 5), change("ann", true, 10), change("bob", true, 12), change("ann", false, 20),
            change("ann", true, 30),
        ]
        let stays = Stays.stays(changes)
        // ann's first exit precedes the log's knowledge of her enter: left out.
        #expect(stays.map(\.profile) == ["ann", "bob", "ann"])
        #expect(stays.map(\.entered) == [10, 12, 30])
        #expect(stays.map(\.exited) == [20, nil, nil])
        let durations = Stays.durations(stays, asOf: 25)
        #expect(durations.map(\.duration) == [10, 13])
        #expect(durations.map(\.ended) == [true, false])
        let sizes = Stays.sizes(changes, at: [11, 15, 25, 40])
        #expect(sizes.map(\.size) == [1, 2, 1, 2])
        #expect(sizes.map(\.entered) == [0, 1, 0, 1])
        #expect(sizes.map(\.exited) == [0, 0, 1, 0])
    }
}
