import Foundation

/// Signal discovery: how an outcome's rate differs between the profiles that show a behaviour and
/// those that do not, with 95% confidence intervals.
///
/// Rates carry Wilson score intervals; the lift (rate with ÷ rate without) carries the log-ratio
/// (Katz) interval exp(ln lift ± z·√(1/a − 1/n₁ + 1/c − 1/n₂)), where a of n₁ profiles with the
/// behaviour and c of n₂ without it have the outcome; it is undefined when a or c is 0.
public enum Signals {
    /// One side of a comparison: profiles, how many had the outcome, the rate and its interval.
    public struct Group: Sendable, Equatable {
        /// Profiles in the group.
        public var profiles: Int
        /// Of those, the ones with the outcome.
        public var positives: Int

        /// A group from its counts.
        public init(profiles: Int, positives: Int) {
            self.profiles = profiles
            self.positives = positives
        }

        /// positives ÷ profiles; nil for an empty group.
        public var rate: Double? { profiles == 0 ? nil : Double(positives) / Double(profiles) }

        /// The 95% Wilson score interval of the rate; nil for an empty group.
        public var interval: ClosedRange<Double>? { Statistics.wilson(positives, of: profiles) }
    }

    /// A behaviour and the outcome with and without it.
    public struct Row: Sendable, Equatable {
        /// The behaviour, as an expression of the segment language.
        public var behaviour: String
        /// Profiles with the behaviour.
        public var with: Group
        /// Profiles without it.
        public var without: Group

        /// A row from its parts.
        public init(behaviour: String, with: Group, without: Group) {
            self.behaviour = behaviour
            self.with = with
            self.without = without
        }

        /// A row from per-profile flags (has the behaviour) and outcomes, over the same profiles.
        public init(behaviour: String, flags: [Bool], outcomes: [Bool]) {
            var with = Group(profiles: 0, positives: 0)
            var without = Group(profiles: 0, positives: 0)
            for (flag, outcome) in zip(flags, outcomes) {
                if flag {
                    with.profiles += 1
                    if outcome { with.positives += 1 }
                } else {
                    without.profiles += 1
                    if outcome { without.positives += 1 }
                }
            }
            self.init(behaviour: behaviour, with: with, without: without)
        }

        /// Rate with ÷ rate without; nil when either is undefined or the rate without is 0.
        public var lift: Double? {
            guard let a = with.rate, let b = without.rate, b > 0 else { return nil }
            return a / b
        }

        /// The 95% log-ratio interval of the lift; nil when either group has no outcome.
        public var liftInterval: ClosedRange<Double>? {
            Statistics.ratioInterval(
                Statistics.Proportion(with.positives, of: with.profiles),
                Statistics.Proportion(without.positives, of: without.profiles))
        }

        /// How far the lift's interval lies from 1, in log terms (0 when it contains 1 or is undefined):
        /// the ranking key.
        public var strength: Double {
            guard let interval = liftInterval else { return 0 }
            if interval.lowerBound > 1 { return log(interval.lowerBound) }
            if interval.upperBound < 1 { return -log(interval.upperBound) }
            return 0
        }
    }

    /// Rows with at least `minimumSupport` profiles on each side, strongest first: by ``Row/strength``,
    /// then by |ln lift|, then by behaviour.
    public static func ranked(_ rows: [Row], minimumSupport: Int) -> [Row] {
        rows.filter { $0.with.profiles >= minimumSupport && $0.without.profiles >= minimumSupport }
            .sorted { a, b in
                if a.strength != b.strength { return a.strength > b.strength }
                let la = a.lift.map { abs(log($0)) } ?? -1
                let lb = b.lift.map { abs(log($0)) } ?? -1
                if la != lb { return la > lb }
                return a.behaviour < b.behaviour
            }
    }

    /// Count thresholds splitting the profiles with a non-zero count into quartiles: for k = 1, 2, 3 the
    /// value at position ⌊k·m/4⌋ of the m non-zero counts sorted ascending; thresholds of 1 or less
    /// (the same as doing it at all) and repeats are left out.
    public static func quartileThresholds(_ counts: [Double]) -> [Double] {
        let nonZero = counts.filter { $0 > 0 }.sorted()
        var thresholds: [Double] = []
        for k in 1...3 where !nonZero.isEmpty {
            let value = nonZero[k * nonZero.count / 4]
            if value > 1, !thresholds.contains(value) { thresholds.append(value) }
        }
        return thresholds
    }
}
