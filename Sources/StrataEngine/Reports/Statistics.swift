import Foundation

/// The statistics the reports state: 95% intervals on proportions, their differences and ratios, the
/// two-proportion z-test, and Kaplan-Meier survival.
public enum Statistics {
    /// z for a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    /// A proportion: successes out of trials.
    public struct Proportion: Sendable, Equatable {
        /// The successes.
        public var successes: Int
        /// The trials.
        public var trials: Int

        /// A proportion from its counts.
        public init(_ successes: Int, of trials: Int) {
            self.successes = successes
            self.trials = trials
        }

        /// successes ÷ trials; nil with no trials.
        public var rate: Double? { trials == 0 ? nil : Double(successes) / Double(trials) }

        /// The 95% Wilson score interval; nil with no trials.
        public var interval: ClosedRange<Double>? { Statistics.wilson(successes, of: trials) }
    }

    /// The 95% Wilson score interval of k successes in n trials:
    /// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n); nil when n is 0.
    public static func wilson(_ k: Int, of n: Int) -> ClosedRange<Double>? {
        guard n > 0 else { return nil }
        let nn = Double(n)
        let p = Double(k) / nn
        let z2 = z95 * z95
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z95 * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot() / (1 + z2 / nn)
        return max(0, centre - half)...min(1, centre + half)
    }

    /// The 95% interval of p₁ − p₂ by Newcombe's hybrid score method (his method 10) from the two Wilson
    /// intervals: d − √((p₁−l₁)² + (u₂−p₂)²) to d + √((u₁−p₁)² + (p₂−l₂)²); nil when either is empty.
    public static func newcombe(_ a: Proportion, _ b: Proportion) -> ClosedRange<Double>? {
        guard let p1 = a.rate, let p2 = b.rate, let i1 = a.interval, let i2 = b.interval else { return nil }
        let d = p1 - p2
        let low =
            d
            - ((p1 - i1.lowerBound) * (p1 - i1.lowerBound) + (i2.upperBound - p2) * (i2.upperBound - p2))
            .squareRoot()
        let high =
            d
            + ((i1.upperBound - p1) * (i1.upperBound - p1) + (p2 - i2.lowerBound) * (p2 - i2.lowerBound))
            .squareRoot()
        return low...high
    }

    /// The 95% log-ratio (Katz) interval of a ratio of proportions a/b:
    /// exp(ln r ± z·√(1/k₁ − 1/n₁ + 1/k₂ − 1/n₂)); nil when either has no successes.
    public static func ratioInterval(_ a: Proportion, _ b: Proportion) -> ClosedRange<Double>? {
        guard let p1 = a.rate, let p2 = b.rate, a.successes > 0, b.successes > 0 else { return nil }
        let ratio = p1 / p2
        let se =
            (1 / Double(a.successes) - 1 / Double(a.trials) + 1 / Double(b.successes) - 1 / Double(b.trials))
            .squareRoot()
        return exp(log(ratio) - z95 * se)...exp(log(ratio) + z95 * se)
    }

    /// The two-proportion z-test with the pooled proportion: z = (p₁ − p₂) / √(p(1−p)(1/n₁ + 1/n₂)) and
    /// its two-sided p-value; nil when a group is empty or the pooled proportion is 0 or 1.
    public static func twoProportionTest(_ a: Proportion, _ b: Proportion) -> (z: Double, p: Double)? {
        guard let p1 = a.rate, let p2 = b.rate else { return nil }
        let pooled = Double(a.successes + b.successes) / Double(a.trials + b.trials)
        let variance = pooled * (1 - pooled) * (1 / Double(a.trials) + 1 / Double(b.trials))
        guard variance > 0 else { return nil }
        let z = (p1 - p2) / variance.squareRoot()
        return (z, erfc(abs(z) / 2.squareRoot()))
    }
}
