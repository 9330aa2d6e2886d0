import Foundation
import StrataEngine
import Testing

/// Rates, lift and their intervals on constructed populations (values from the textbook formulas,
/// worked out separately).
@Suite struct SignalsTests {
    /// Wilson 95% for 5 of 10 is [0.2366, 0.7634]; for 0 of 10, [0, 0.2775]; empty is undefined.
    @Test func wilsonIntervals() throws {
        let half = try #require(Statistics.wilson(5, of: 10))
        #expect(abs(half.lowerBound - 0.236593090512564) < 1e-12)
        #expect(abs(half.upperBound - 0.7634069094874361) < 1e-12)
        let none = try #require(Statistics.wilson(0, of: 10))
        #expect(none.lowerBound == 0)
        #expect(abs(none.upperBound - 0.2775327998628892) < 1e-12)
        #expect(Statistics.wilson(0, of: 0) == nil)
    }

    /// 300 profiles: 100 with the behaviour (20 with the outcome), 200 without (10 with it). Rates 0.2
    /// and 0.05, lift 4; log-ratio interval exp(ln 4 ± 1.96 √(1/20 − 1/100 + 1/10 − 1/200)) =
    /// [1.9467, 8.2189].
    @Test func rowOfAConstructedPopulation() throws {
        let flags = (0..<300).map { $0 < 100 }
        let outcomes = (0..<300).map { $0 < 20 || (100..<110).contains($0) }
        let row = Signals.Row(behaviour: "b", flags: flags, outcomes: outcomes)
        #expect(row.with == Signals.Group(profiles: 100, positives: 20))
        #expect(row.without == Signals.Group(profiles: 200, positives: 10))
        #expect(row.with.rate == 0.2)
        #expect(row.without.rate == 0.05)
        #expect(abs((row.lift ?? 0) - 4) < 1e-12)
        let lift = try #require(row.liftInterval)
        #expect(abs(lift.lowerBound - 1.946742785730934) < 1e-9)
        #expect(abs(lift.upperBound - 8.218856706327824) < 1e-9)
        let with = try #require(row.with.interval)
        #expect(abs(with.lowerBound - 0.1333669333310325) < 1e-12)
        #expect(abs(with.upperBound - 0.2888291655931589) < 1e-12)
        let without = try #require(row.without.interval)
        #expect(abs(without.lowerBound - 0.02738264560076393) < 1e-12)
        #expect(abs(without.upperBound - 0.08957814813877599) < 1e-12)
        #expect(abs(row.strength - log(1.946742785730934)) < 1e-9)
    }

    /// No outcome among those without the behaviour: no lift, no interval, strength 0.
    @Test func liftIsUndefinedWithoutOutcomesOnOneSide() {
        let row = Signals.Row(
            behaviour: "b", with: Signals.Group(profiles: 10, positives: 3), without: .init(profiles: 10, positives: 0))
        #expect(row.lift == nil)
        #expect(row.liftInterval == nil)
        #expect(row.strength == 0)
    }

    /// Ranked by the interval's distance from 1: a clear lowering (upper bound below 1) can outrank a
    /// raising; an interval containing 1 comes after both; rows under the support floor are dropped.
    @Test func rankingByIntervalDistanceFromOne() {
        let up = Signals.Row(
            behaviour: "up", with: .init(profiles: 100, positives: 20), without: .init(profiles: 200, positives: 10))
        let down = Signals.Row(
            behaviour: "down", with: .init(profiles: 200, positives: 2), without: .init(profiles: 200, positives: 40))
        let flat = Signals.Row(
            behaviour: "flat", with: .init(profiles: 100, positives: 10), without: .init(profiles: 100, positives: 11))
        let small = Signals.Row(
            behaviour: "small", with: .init(profiles: 5, positives: 5), without: .init(profiles: 295, positives: 25))
        #expect(
            Signals.ranked([flat, up, small, down], minimumSupport: 30).map(\.behaviour) == ["down", "up", "flat"])
    }

    /// Non-zero counts 1 1 2 3 5 8 (m = 6): positions 1, 3, 4 hold 1, 3, 5; 1 is dropped.
    @Test func quartileThresholds() {
        #expect(Signals.quartileThresholds([0, 0, 1, 1, 2, 3, 5, 8, 0]) == [3, 5])
        #expect(Signals.quartileThresholds([0, 0]) == [])
        #expect(Signals.quartileThresholds([4, 4, 4, 4]) == [4])
    }
}
